package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.ConfigLoader;
import nomoat.pipeline.config.NomoatConfig;
import nomoat.pipeline.data.TokenizedExample;
import nomoat.pipeline.shard.Manifest;
import nomoat.pipeline.shard.ShardReader;
import nomoat.pipeline.shard.ShardRow;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** prepare on local Spark over the real fixture datasets and tokenizers. */
@Tag("integration")
class PrepareJobTest {
  @TempDir Path tmp;

  static final String TINYLLAMA = Fixtures.tokenizerDir("tinyllama-1.1b-chat-v1.0").toUri().toString();
  static final String QWEN3 = Fixtures.tokenizerDir("qwen3").toUri().toString();
  static final String SELF_INSTRUCT = Fixtures.dataset("self_instruct_seed_tasks_alpaca.json").toUri().toString();
  static final String GSM8K = Fixtures.dataset("gsm8k_train_first300_alpaca.json").toUri().toString();
  static final String OASST = Fixtures.dataset("oasst_en100_best_path_sharegpt.json").toUri().toString();

  static NomoatConfig config(String output, String tokenizer, String template, String sources, String... more) {
    List<String> o = new ArrayList<>(List.of("prepare.output=" + output, "prepare.tokenizer=" + tokenizer,
        "prepare.template=" + template, "prepare.sources=" + sources));
    o.addAll(List.of(more));
    return ConfigLoader.load((Path) null, o);
  }

  static String alpacaAndOasst() {
    return "[{name = self-instruct, paths = [\"" + SELF_INSTRUCT + "\"]}, {name = gsm8k, paths = [\"" + GSM8K + "\"]},"
        + " {name = oasst, paths = [\"" + OASST + "\"], record-format = sharegpt}]";
  }

  static List<ShardRow> readSplit(Configuration conf, String out, Manifest m, String split) {
    List<ShardRow> rows = new ArrayList<>();
    for (Manifest.ShardFile f : m.shards().get(split)) rows.addAll(ShardReader.readAll(conf, out + "/" + f.path()));
    return rows;
  }

  @Test
  void fixturesBecomeShardsThatSparkReadsBack() throws Exception {
    SparkSession spark = LocalSpark.get();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String out = tmp.resolve("prepared").toUri().toString();
    PrepareJob.Summary s = PrepareJob.run(spark, config(out, QWEN3, "chatml", alpacaAndOasst(),
        "prepare.max-length=4096", "prepare.shards.train=3", "prepare.split.validation-count=20"), false);

    assertEquals(570, s.rowsRead());
    assertEquals(0, s.rejected(), "every fixture row is valid at 4096 tokens");
    assertEquals(570, s.examples());
    assertEquals(20, s.validationRows());
    assertEquals(550, s.trainRows());
    assertTrue(Files.exists(tmp.resolve("prepared/_SUCCESS")));

    Manifest m = Manifest.read(conf, out + "/manifest.json");
    assertEquals(Map.of("self-instruct", 175L, "gsm8k", 300L, "oasst", 95L), m.stats().rowsReadBySource());
    assertEquals(3, m.shards().get("train").size());
    assertEquals("chatml", m.template());
    assertEquals(64, m.tokenizer().sha256().length());

    // Shards: what the manifest says, masks sane, every example once.
    Set<String> ids = new HashSet<>();
    long tokens = 0, trained = 0;
    for (String split : List.of("train", "validation")) {
      for (ShardRow r : readSplit(conf, out, m, split)) {
        assertTrue(ids.add(r.exampleId()), "duplicate example " + r.exampleId());
        assertEquals(r.inputIds().length, r.labels().length);
        tokens += r.numTokens();
        trained += r.numTrainedTokens();
        assertTrue(r.numTrainedTokens() > 0);
        for (int i = 0; i < r.labels().length; i++) {
          assertTrue(r.labels()[i] == TokenizedExample.IGNORE || r.labels()[i] == r.inputIds()[i]);
        }
        // chatml: the last trained token closes the assistant turn with <|im_end|> (151645)
        int last = -1;
        for (int i = 0; i < r.labels().length; i++) if (r.labels()[i] != TokenizedExample.IGNORE) last = i;
        assertEquals(151645, r.inputIds()[last], "end of turn is trained");
      }
    }
    assertEquals(570, ids.size());
    assertEquals(s.tokens(), tokens);
    assertEquals(s.trainedTokens(), trained);
    assertEquals(m.stats().tokens(), tokens);

    // Spark reads the schema as documented.
    Dataset<Row> df = spark.read().parquet(out + "/data/train");
    assertEquals(550, df.count());
    assertEquals(new ArrayType(DataTypes.IntegerType, false).simpleString(), df.schema().apply("input_ids").dataType().simpleString());
    assertEquals(DataTypes.StringType, df.schema().apply("example_id").dataType());
    long sum = df.selectExpr("sum(num_tokens)").first().getLong(0);
    assertEquals(m.stats().tokensBySplit().get("train").longValue(), sum);
  }

  @Test
  void sameConfigGivesIdenticalShardsAndRerunIsRefused() throws Exception {
    SparkSession spark = LocalSpark.get();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String a = tmp.resolve("a").toUri().toString(), b = tmp.resolve("b").toUri().toString();
    String sources = "[{name = gsm8k, paths = [\"" + GSM8K + "\"]}]";
    PrepareJob.run(spark, config(a, TINYLLAMA, "alpaca", sources, "prepare.shards.train=2"), false);
    PrepareJob.run(spark, config(b, TINYLLAMA, "alpaca", sources, "prepare.shards.train=2", "prepare.parallelism=7"), false);
    Manifest ma = Manifest.read(conf, a + "/manifest.json"), mb = Manifest.read(conf, b + "/manifest.json");
    assertEquals(ma.shards(), mb.shards(), "same shard files, rows and token counts");
    for (String split : List.of("train", "validation")) {
      for (int i = 0; i < ma.shards().get(split).size(); i++) {
        String rel = ma.shards().get(split).get(i).path();
        assertEquals(ShardReader.readAll(conf, a + "/" + rel), ShardReader.readAll(conf, b + "/" + rel), rel);
      }
    }

    // A committed output is left byte-identical by a rerun without --force.
    Map<Path, byte[]> before = snapshot(tmp.resolve("a"));
    NomoatException e = assertThrows(NomoatException.class,
        () -> PrepareJob.run(spark, config(a, TINYLLAMA, "alpaca", sources, "prepare.shards.train=5"), false));
    assertEquals(NomoatException.ExitCode.OUTPUT_EXISTS, e.exitCode());
    assertTrue(e.getMessage().contains("--force"), e.getMessage());
    assertSnapshotEquals(before, snapshot(tmp.resolve("a")));

    // --force replaces it whole.
    PrepareJob.run(spark, config(a, TINYLLAMA, "alpaca", sources, "prepare.shards.train=5"), true);
    assertEquals(5, Manifest.read(conf, a + "/manifest.json").shards().get("train").size());
    try (var files = Files.list(tmp.resolve("a/data/train"))) {
      assertEquals(5, files.filter(f -> f.toString().endsWith(".parquet")).count(), "no file of the old output is left");
    }
  }

  @Test
  void parquetAndCsvInputsGiveTheSameExamplesAsJson() throws Exception {
    SparkSession spark = LocalSpark.get();
    // the GSM8K fixture rewritten by Spark as Parquet (2 files) and as CSV with a header (columns renamed)
    Dataset<Row> rows = spark.read().option("multiLine", "true").json(GSM8K);
    String parquet = tmp.resolve("gsm8k-parquet").toUri().toString();
    String csv = tmp.resolve("gsm8k-csv").toUri().toString();
    rows.repartition(2).write().parquet(parquet);
    rows.withColumnRenamed("instruction", "question").withColumnRenamed("output", "answer").coalesce(1)
        .write().option("header", "true").option("escape", "\"").csv(csv);
    String sources = "[{name = g, paths = [\"" + parquet + "\"]}, {name = c, paths = [\"" + csv + "/*.csv\"], file-format = csv,"
        + " columns { instruction = question, output = answer } }]";
    PrepareJob.Summary s = PrepareJob.run(spark, config(tmp.resolve("pc").toUri().toString(), TINYLLAMA, "alpaca", sources,
        "prepare.dedup=true"), false);
    assertEquals(600, s.rowsRead());
    assertEquals(0, s.rejected());
    assertEquals(300, s.examples(), "the CSV rows equal the Parquet rows token for token: all 300 are duplicates");
    PrepareJob.Summary json = PrepareJob.run(spark, config(tmp.resolve("j").toUri().toString(), TINYLLAMA, "alpaca",
        "[{name = j, paths = [\"" + GSM8K + "\"]}]"), false);
    assertEquals(json.tokens(), s.tokens());
  }

  @Test
  void dedupRemovesExactDuplicatesAcrossSources() throws Exception {
    SparkSession spark = LocalSpark.get();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String out = tmp.resolve("dedup").toUri().toString();
    String sources = "[{name = gsm8k, paths = [\"" + GSM8K + "\"]}, {name = again, paths = [\"" + GSM8K + "\"]}]";
    PrepareJob.Summary s = PrepareJob.run(spark, config(out, TINYLLAMA, "alpaca", sources, "prepare.dedup=true"), false);
    assertEquals(600, s.rowsRead());
    assertEquals(300, s.examples());
    assertEquals(300, Manifest.read(conf, out + "/manifest.json").stats().duplicatesRemoved());
  }

  @Test
  void weightsLimitsAndPackingWithoutLeakingCopiesIntoValidation() throws Exception {
    SparkSession spark = LocalSpark.get();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String out = tmp.resolve("packed").toUri().toString();
    // gsm8k weighted 2.5 (copies are made after dedup, so dedup keeps them), self-instruct limited to 50 examples
    String sources = "[{name = gsm8k, paths = [\"" + GSM8K + "\"], weight = 2.5}, {name = si, paths = [\"" + SELF_INSTRUCT
        + "\"], limit = 50}]";
    PrepareJob.Summary s = PrepareJob.run(spark, config(out, TINYLLAMA, "alpaca", sources, "prepare.dedup=true",
        "prepare.packing.enabled=true", "prepare.packing.seq-len=2048", "prepare.max-length=2048",
        "prepare.split.validation-fraction=0.2"), false);
    Manifest m = Manifest.read(conf, out + "/manifest.json");
    assertEquals(50L, m.stats().examplesBySource().get("si"));
    long gsm = m.stats().examplesBySource().get("gsm8k");
    assertTrue(gsm > 700 && gsm < 800, "2.5 x 300 = about 750 copies: " + gsm);
    assertEquals(0, m.stats().duplicatesRemoved());
    assertTrue(m.packing());

    Map<String, Set<String>> baseIdsBySplit = new HashMap<>();
    long exampleCount = 0;
    for (String split : List.of("train", "validation")) {
      for (ShardRow r : readSplit(conf, out, m, split)) {
        assertTrue(r.packed());
        assertTrue(r.numTokens() <= 2048);
        for (String id : r.exampleId().split(",")) {
          exampleCount++;
          baseIdsBySplit.computeIfAbsent(split, k -> new HashSet<>()).add(id.replaceAll("#.*", ""));
        }
        for (int i = 0; i < r.numTokens(); i++) {
          if (i == 0 || r.segmentIds()[i] != r.segmentIds()[i - 1]) {
            assertEquals(0, r.positionIds()[i], "positions restart per segment");
            assertEquals(TokenizedExample.IGNORE, r.labels()[i], "no loss across examples");
          } else {
            assertEquals(r.positionIds()[i - 1] + 1, r.positionIds()[i]);
          }
        }
      }
    }
    assertEquals(s.examples(), exampleCount);
    assertTrue(m.stats().shardRows() < exampleCount, "packing put several examples in a row");
    Set<String> leaked = new HashSet<>(baseIdsBySplit.get("validation"));
    leaked.retainAll(baseIdsBySplit.get("train"));
    assertEquals(Set.of(), leaked, "no copy of a validation example is in train");
  }

  @Test
  void aSplitThatLeavesNoTrainingDataFailsWithoutCommitting() throws Exception {
    String out = tmp.resolve("empty").toUri().toString();
    String sources = "[{name = gsm8k, paths = [\"" + GSM8K + "\"], limit = 10}]";
    NomoatException e = assertThrows(NomoatException.class, () -> PrepareJob.run(LocalSpark.get(),
        config(out, TINYLLAMA, "alpaca", sources, "prepare.split.validation-count=10"), false));
    assertEquals(NomoatException.ExitCode.INPUT_DATA, e.exitCode());
    assertTrue(e.getMessage().contains("validation-count"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("empty")));
    try (var siblings = Files.list(tmp)) {
      assertTrue(siblings.noneMatch(f -> f.getFileName().toString().startsWith(".empty.tmp")), "staging is cleaned up");
    }
  }

  static Map<Path, byte[]> snapshot(Path dir) throws Exception {
    Map<Path, byte[]> files = new HashMap<>();
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) files.put(dir.relativize(p), Files.readAllBytes(p));
    }
    return files;
  }

  static void assertSnapshotEquals(Map<Path, byte[]> a, Map<Path, byte[]> b) {
    assertEquals(a.keySet(), b.keySet());
    for (Path p : a.keySet()) assertArrayEquals(a.get(p), b.get(p), p.toString());
  }
}
