package nomoat.pipeline.prepare;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException.ExitCode;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.ConfigLoader;
import nomoat.pipeline.config.PrepareSettings;
import nomoat.pipeline.data.ExampleBuilder;
import nomoat.pipeline.data.ExampleSettings;
import nomoat.pipeline.data.TokenizedExample;
import nomoat.pipeline.data.record.RecordFormatName;
import nomoat.pipeline.data.template.TemplateName;
import nomoat.pipeline.shard.DatasetStats;
import nomoat.pipeline.shard.Manifest;
import nomoat.pipeline.source.SourceFormat;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prepare stage's rules that do not need Spark: build settings, read plan, example ids, shard assignment. */
class PrepareRulesTest {
  @TempDir Path tmp;
  final Configuration conf = new Configuration();

  static PrepareSettings settings(String sources, String... more) {
    List<String> o = new ArrayList<>(List.of("prepare.sources=" + sources));
    o.addAll(List.of(more));
    return ConfigLoader.load((Path) null, o).prepare();
  }

  @Test
  void textRecordsAreBuiltWithTheRawTemplateAndEverythingElseWithTheConfiguredOne() {
    PrepareSettings p = settings("[{name = chat, paths = [x]}, {name = plain, paths = [y], record-format = text}]",
        "prepare.template=llama2", "prepare.max-length=77", "prepare.train-on-prompt=true");
    ExampleSettings chat = BuildSettings.forSource(p, p.sources().get(0));
    ExampleSettings plain = BuildSettings.forSource(p, p.sources().get(1));
    assertEquals(TemplateName.LLAMA2, chat.template());
    assertEquals(RecordFormatName.ALPACA, chat.format());
    assertEquals(TemplateName.RAW, plain.template());
    assertEquals(RecordFormatName.TEXT, plain.format());
    for (ExampleSettings s : List.of(chat, plain)) {
      assertEquals(77, s.maxLength());
      assertTrue(s.trainOnPrompt());
    }
  }

  @Test
  void theReadPlanListsEachFileOnceWithItsPathBelowThePatternRoot() throws Exception {
    Files.createDirectories(tmp.resolve("sets/2024"));
    Files.writeString(tmp.resolve("sets/a.jsonl"), "{}\n");
    Files.writeString(tmp.resolve("sets/2024/b.json"), "[]");
    Files.writeString(tmp.resolve("sets/_SUCCESS"), "");
    String dir = tmp.resolve("sets").toUri().toString();
    String glob = "file://" + tmp.resolve("sets") + "/*.jsonl";
    PrepareSettings p = settings("[{name = s, paths = [\"" + dir + "\", \"" + glob + "\"]}, {name = t, paths = [\"" + glob + "\"]}]");
    List<ReadTask> tasks = ReadTask.plan(conf, p);
    assertEquals(3, tasks.size(), tasks.toString());
    assertEquals(List.of("2024/b.json", "a.jsonl", "a.jsonl"), tasks.stream().map(ReadTask::relativePath).toList());
    assertEquals(List.of(SourceFormat.JSON, SourceFormat.JSONL, SourceFormat.JSONL), tasks.stream().map(ReadTask::format).toList());
    assertEquals(List.of(0, 0, 1), tasks.stream().map(ReadTask::source).toList());
    assertEquals(List.of("s", "s", "t"), tasks.stream().map(ReadTask::sourceName).toList());
  }

  @Test
  void anExampleIdDependsOnSourceRelativePathAndPositionNotOnTheStore() {
    ReadTask local = new ReadTask(0, "s", SourceFormat.JSONL, "file:/data/sets/2024/a.jsonl", 10, "2024/a.jsonl");
    ReadTask s3 = new ReadTask(0, "s", SourceFormat.JSONL, "s3a://bucket/other/prefix/2024/a.jsonl", 10, "2024/a.jsonl");
    assertEquals(local.exampleId("file:/data/sets/2024/a.jsonl:line 7"), s3.exampleId("s3a://bucket/other/prefix/2024/a.jsonl:line 7"));
    assertEquals(ExampleBuilder.exampleId("s", "2024/a.jsonl:line 7"), local.exampleId("file:/data/sets/2024/a.jsonl:line 7"));
    assertNotEquals(local.exampleId("file:/data/sets/2024/a.jsonl:line 7"), local.exampleId("file:/data/sets/2024/a.jsonl:line 8"));
    ReadTask otherSource = new ReadTask(1, "t", SourceFormat.JSONL, "file:/data/sets/2024/a.jsonl", 10, "2024/a.jsonl");
    assertNotEquals(local.exampleId("file:/data/sets/2024/a.jsonl:line 7"), otherSource.exampleId("file:/data/sets/2024/a.jsonl:line 7"));
  }

  @Test
  void shardCountsFollowTheExpectedSplit() {
    PrepareSettings byFraction = settings("[{paths = [x]}]", "prepare.split.validation-fraction=0.1", "prepare.shards.target-rows=100");
    ShardAssignment a = ShardAssignment.plan(byFraction, SplitRule.byFraction(1, 0.1), 1000);
    assertEquals(9, a.trainShards());      // 900 rows
    assertEquals(1, a.validationShards()); // 100 rows
    assertEquals(10, a.partitions());

    PrepareSettings none = settings("[{paths = [x]}]", "prepare.split.validation-fraction=0", "prepare.shards.train=3");
    ShardAssignment b = ShardAssignment.plan(none, SplitRule.byFraction(1, 0), 1000);
    assertEquals(3, b.trainShards());
    assertEquals(0, b.validationShards());
    assertEquals(4, b.partitions(), "an empty validation partition is kept");

    PrepareSettings byCount = settings("[{paths = [x]}]", "prepare.split.validation-count=250", "prepare.shards.target-rows=100");
    ShardAssignment c = ShardAssignment.plan(byCount, SplitRule.byCount(1, 0), 1000);
    assertEquals(8, c.trainShards());
    assertEquals(3, c.validationShards());
  }

  @Test
  void validationExamplesGoToTheShardsAfterTheTrainShards() {
    SplitRule rule = SplitRule.byFraction(42, 0.3);
    ShardAssignment a = new ShardAssignment(rule, 4, 2);
    int[] perShard = new int[a.partitions()];
    for (int i = 0; i < 2000; i++) {
      String id = "ex" + i;
      ShardKey k = a.key(id);
      assertEquals(rule.orderKey(id), k.order());
      assertEquals(rule.isValidation(id), k.shard() >= 4, id);
      assertEquals(rule.isValidation(id) ? "validation" : "train", a.split(k.shard()));
      perShard[k.shard()]++;
    }
    for (int n : perShard) assertTrue(n > 100, java.util.Arrays.toString(perShard));
    assertEquals("data/train/part-00003.parquet", a.file(3));
    assertEquals("data/validation/part-00000.parquet", a.file(4));
    assertEquals("data/validation/part-00001.parquet", a.file(5));
  }

  @Test
  void weightedCopiesAreToldApartFromOriginals() {
    assertFalse(SourceWeighting.isCopy("abc"));
    assertTrue(SourceWeighting.isCopy("abc#2"));
    TokenizedExample e = new TokenizedExample("abc", "s", new int[] {1}, new int[] {1}, false);
    List<TokenizedExample> copies = SourceWeighting.apply(e, 3, 7);
    assertEquals(List.of(false, true, true), copies.stream().map(c -> SourceWeighting.isCopy(c.exampleId())).toList());
  }

  @Test
  void writtenShardsAreListedUnderTheirFinalNamesBySplit() {
    DatasetStats read = new DatasetStats();
    read.recordRowRead("s");
    DatasetStats t0 = new DatasetStats(), v0 = new DatasetStats();
    TokenizedExample e = new TokenizedExample("a", "s", new int[] {1, 2}, new int[] {-100, 2}, false);
    t0.recordExample(e, DatasetStats.TRAIN);
    v0.recordExample(e, DatasetStats.VALIDATION);
    WrittenShards w = WrittenShards.of(List.of(
        new ShardTask.Written("_attempts/5-1/data/train/part-00000.parquet", DatasetStats.TRAIN, 3, 30, 10, t0),
        new ShardTask.Written(null, DatasetStats.TRAIN, 0, 0, 0, new DatasetStats()),
        new ShardTask.Written("_attempts/5-9/data/validation/part-00000.parquet", DatasetStats.VALIDATION, 1, 8, 2, v0)), read);
    assertEquals(List.of(new Manifest.ShardFile("data/train/part-00000.parquet", 3, 30, 10)), w.files().get(DatasetStats.TRAIN));
    assertEquals(List.of(new Manifest.ShardFile("data/validation/part-00000.parquet", 1, 8, 2)), w.files().get(DatasetStats.VALIDATION));
    assertEquals(List.of("_attempts/5-1/data/train/part-00000.parquet", "_attempts/5-9/data/validation/part-00000.parquet"), w.attemptPaths());
    assertEquals(1, w.stats().rowsRead());
    assertEquals(2, w.stats().examples());
  }

  @Test
  void aSplitWithoutTrainingRowsFails() {
    WrittenShards onlyValidation = WrittenShards.of(List.of(), new DatasetStats());
    NomoatException e = assertThrows(NomoatException.class, onlyValidation::requireTrainingRows);
    assertEquals(ExitCode.INPUT_DATA, e.exitCode());
  }

  @Test
  void settingsAreCheckedAndInputsKeptApartWhenTheOutputIsBegun() throws Exception {
    Files.createDirectories(tmp.resolve("data"));
    Files.writeString(tmp.resolve("data/a.jsonl"), "{}\n");
    String data = tmp.resolve("data").toUri().toString();
    String tok = tmp.resolve("tok/tokenizer.json").toUri().toString();
    PrepareSettings noOutput = settings("[{paths = [\"" + data + "\"]}]", "prepare.tokenizer=" + tok);
    assertEquals(ExitCode.CONFIG, assertThrows(NomoatException.class, () -> PrepareOutput.begin(conf, noOutput, false)).exitCode());
    PrepareSettings insideData = settings("[{paths = [\"" + data + "\"]}]", "prepare.tokenizer=" + tok, "prepare.output=" + data + "out");
    NomoatException e = assertThrows(NomoatException.class, () -> PrepareOutput.begin(conf, insideData, false));
    assertTrue(e.getMessage().contains("is inside input " + data), e.getMessage());
    assertEquals(List.of(data, tok, tmp.resolve("tok/tokenizer_config.json").toUri().toString()), PrepareOutput.inputs(insideData).stream()
        .map(s -> s.startsWith("file:/") && !s.startsWith("file:///") ? "file://" + s.substring(5) : s).toList());
  }
}
