package nomoat.jobs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.NomoatConfig;
import nomoat.pipeline.config.PrepareSettings;
import nomoat.pipeline.config.SourceSettings;
import nomoat.pipeline.data.BuildResult;
import nomoat.pipeline.data.ExampleBuilder;
import nomoat.pipeline.data.ExampleSettings;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.data.TokenizedExample;
import nomoat.pipeline.io.CommittedOutput;
import nomoat.pipeline.prepare.ExampleKeys;
import nomoat.pipeline.prepare.ShardPlan;
import nomoat.pipeline.prepare.SourceWeighting;
import nomoat.pipeline.prepare.SplitRule;
import nomoat.pipeline.shard.DatasetStats;
import nomoat.pipeline.shard.Manifest;
import nomoat.pipeline.shard.RejectedWriter;
import nomoat.pipeline.prepare.ShardTask;
import nomoat.pipeline.source.InputFile;
import nomoat.pipeline.source.InputFiles;
import nomoat.pipeline.source.InputSplit;
import nomoat.pipeline.source.InputSplits;
import nomoat.pipeline.source.ReadResult;
import nomoat.pipeline.source.SourceFormat;
import nomoat.pipeline.source.SourceReader;
import nomoat.pipeline.tokenize.HfTokenizer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The prepare stage: instruction datasets on any Hadoop FS → tokenized, masked Parquet shards.
 * Read + template + tokenize (one pass, cached) → quarantine rejects → weight/limit/dedup → split → shuffle into
 * shards (optionally packed) → manifest → commit. All row logic lives in the pipeline module; this class only wires
 * it into Spark.
 */
public final class PrepareJob {
  private static final Logger LOG = LoggerFactory.getLogger(PrepareJob.class);

  private PrepareJob() {}

  /** One line for the console and the log: what went in, what came out. */
  public record Summary(long rowsRead, long examples, long rejected, long trainRows, long validationRows, long tokens,
                        long trainedTokens, double seconds, String output) {
    @Override
    public String toString() {
      return String.format("prepare: %,d rows read, %,d examples (%,d train rows, %,d validation rows), %,d rejected, "
          + "%,d tokens (%,d trained) in %.1f s -> %s", rowsRead, examples, trainRows, validationRows, rejected, tokens,
          trainedTokens, seconds, output);
    }
  }

  public static Summary run(SparkSession spark, NomoatConfig config, boolean force) {
    long t0 = System.nanoTime();
    PrepareSettings p = config.prepare();
    p.requireOutputAndTokenizer();
    p.requireSources();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hadoop = jsc.hadoopConfiguration();

    // Fail before any Spark job: committed output, tokenizer, inputs.
    CommittedOutput out = CommittedOutput.begin(hadoop, p.output(), force);
    TokenizerFiles tok = TokenizerFiles.read(hadoop, p.tokenizer());
    HfTokenizer driverTokenizer = HfTokenizer.cached(tok.tokenizerJson(), tok.tokenizerConfigJson());
    if (p.template().equals("tokenizer") && driverTokenizer.chatTemplate() == null) {
      throw NomoatException.config("prepare.template = tokenizer, but " + p.tokenizer() + " has no chat_template in tokenizer_config.json");
    }
    List<ReadTask> tasks = planReads(hadoop, p);
    LOG.info("prepare: {} sources, {} read tasks, output {}", p.sources().size(), tasks.size(), p.output());

    Broadcast<TokenizerFiles> tokB = jsc.broadcast(tok);
    Broadcast<SerializableConfiguration> confB = jsc.broadcast(new SerializableConfiguration(hadoop));
    List<ExampleSettings> settings = new ArrayList<>();
    for (SourceSettings s : p.sources()) settings.add(exampleSettings(p, s));

    // 1. read, template, tokenize: one pass over the input, kept for the later steps
    jsc.setJobDescription("prepare 1/4: read, template and tokenize " + tasks.size() + " input splits");
    JavaRDD<Outcome> outcomes = jsc.parallelize(tasks, Math.max(1, tasks.size()))
        .mapPartitions(it -> buildAll(it, settings, tokB.value(), confB.value().value()))
        .persist(StorageLevel.MEMORY_AND_DISK_SER());
    DatasetStats readStats = outcomes.mapPartitions(PrepareJob::countOutcomes).reduce(DatasetStats::merge);
    long rowsRead = readStats.rowsRead();
    long rejected = readStats.rejected();

    // 2. quarantine
    jsc.setJobDescription("prepare 2/4: write rejected rows");
    String staging = out.stagingDir();
    if (rejected > 0) {
      int parts = (int) Math.min(tasks.size(), Math.max(1, rejected / 50_000 + 1));
      outcomes.filter(Outcome::rejected).map(Outcome::rejection).coalesce(parts)
          .foreachPartition(it -> writeRejected(it, staging, confB.value().value()));
    }
    if (rowsRead > 0 && rejected > p.maxRejectFraction() * rowsRead) {
      throw NomoatException.inputData(String.format("%,d of %,d rows rejected (%.1f%%), more than prepare.max-reject-fraction = %s; "
          + "nothing was committed; the rejected rows and their reasons are in %s/rejected/ (by reason: %s)",
          rejected, rowsRead, 100.0 * rejected / rowsRead, p.maxRejectFraction(), staging, readStats.rejectedByReason()));
    }

    // 3. weights, limits, dedup
    jsc.setJobDescription("prepare 3/4: weight, limit and deduplicate examples");
    JavaRDD<TokenizedExample> examples = outcomes.filter(o -> !o.rejected()).map(Outcome::example);
    examples = weightAndLimit(examples, p);
    long duplicates = 0;
    if (p.dedup()) {
      JavaRDD<TokenizedExample> before = examples.persist(StorageLevel.MEMORY_AND_DISK_SER());
      long n = before.count();
      examples = before.mapToPair(e -> new Tuple2<>(ExampleKeys.content(e.inputIds(), e.labels()), e))
          .reduceByKey((a, b) -> a.exampleId().compareTo(b.exampleId()) <= 0 ? a : b)
          .values()
          .persist(StorageLevel.MEMORY_AND_DISK_SER());
      duplicates = n - examples.count();
    }

    // 4. split, shuffle into shards, pack, write
    SplitRule rule = splitRule(examples, p);
    JavaRDD<TokenizedExample> all = examples;
    JavaRDD<TokenizedExample> validation = all.filter(e -> rule.isValidation(e.exampleId()));
    JavaRDD<TokenizedExample> train = all.filter(e -> !rule.isValidation(e.exampleId()));
    List<ShardTask.Written> trainShards = writeSplit(jsc, train, DatasetStats.TRAIN, p.trainShards(), p, rule, staging, confB);
    List<ShardTask.Written> valShards = writeSplit(jsc, validation, DatasetStats.VALIDATION, p.validationShards(), p, rule, staging, confB);
    outcomes.unpersist(false);

    DatasetStats stats = readStats;
    for (long i = 0; i < duplicates; i++) stats.recordDuplicateRemoved();
    Map<String, List<Manifest.ShardFile>> shards = new LinkedHashMap<>();
    shards.put(DatasetStats.TRAIN, shardFiles(trainShards));
    shards.put(DatasetStats.VALIDATION, shardFiles(valShards));
    for (ShardTask.Written w : trainShards) stats = stats.merge(w.stats());
    for (ShardTask.Written w : valShards) stats = stats.merge(w.stats());
    Manifest.Split split = new Manifest.Split(p.splitSeed(), p.validationCount() >= 0 ? null : p.validationFraction(),
        p.validationCount() >= 0 ? p.validationCount() : null);
    new Manifest(Manifest.SCHEMA_VERSION, Main.version(), Instant.now(), new Manifest.Tokenizer(tok.fileName(), driverTokenizer.sha256()),
        p.template(), p.packing() ? p.seqLen() : p.maxLength(), p.packing(), split, shards, stats, config.effective("prepare"))
        .write(hadoop, staging + "/" + Manifest.FILE_NAME);
    out.commit();

    double seconds = (System.nanoTime() - t0) / 1e9;
    Summary summary = new Summary(rowsRead, stats.examples(), rejected, stats.rowsBySplit().getOrDefault(DatasetStats.TRAIN, 0L),
        stats.rowsBySplit().getOrDefault(DatasetStats.VALIDATION, 0L), stats.tokens(), stats.trainedTokens(), seconds, out.outputUri());
    LOG.info(summary.toString());
    return summary;
  }

  /** One unit of reading: a source index and a whole file or a byte range of it. */
  record ReadTask(int source, String sourceName, String format, InputSplit split) implements java.io.Serializable {}

  static List<ReadTask> planReads(Configuration hadoop, PrepareSettings p) {
    List<ReadTask> tasks = new ArrayList<>();
    for (int i = 0; i < p.sources().size(); i++) {
      SourceSettings s = p.sources().get(i);
      List<InputFile> files = InputFiles.expand(hadoop, s.paths());
      SourceFormat declared = SourceFormat.parse(s.fileFormat());
      for (InputFile f : files) {
        SourceFormat format = declared.resolve(hadoop, f.uri());
        for (InputSplit split : InputSplits.plan(hadoop, List.of(f), format, p.splitSizeBytes())) {
          tasks.add(new ReadTask(i, s.name(), format.code(), split));
        }
      }
    }
    return tasks;
  }

  static ExampleSettings exampleSettings(PrepareSettings p, SourceSettings s) {
    String template = s.recordFormat().equals("text") ? "raw" : p.template();
    return new ExampleSettings(s.recordFormat(), s.columns(), template, p.systemPrompt(), p.trainOnPrompt(),
        p.trainAllAssistantTurns(), p.maxLength(), p.dropOverLong());
  }

  private static Iterator<Outcome> buildAll(Iterator<ReadTask> tasks, List<ExampleSettings> settings, TokenizerFiles tok,
                                            Configuration conf) {
    HfTokenizer tokenizer = HfTokenizer.cached(tok.tokenizerJson(), tok.tokenizerConfigJson());
    Map<Integer, ExampleBuilder> builders = new HashMap<>();
    List<Iterator<Outcome>> parts = new ArrayList<>();
    while (tasks.hasNext()) {
      ReadTask t = tasks.next();
      ExampleBuilder builder = builders.computeIfAbsent(t.source(), i -> new ExampleBuilder(settings.get(i), tokenizer));
      SourceReader reader = new SourceReader(t.sourceName(), SourceFormat.parse(t.format()));
      parts.add(new MappingIterator<>(() -> reader.read(conf, t.split().uri(), t.split().start(), t.split().end()),
          r -> toOutcome(r, builder)));
    }
    return new ConcatIterator<>(parts);
  }

  private static Outcome toOutcome(ReadResult r, ExampleBuilder builder) {
    if (r instanceof ReadResult.Bad bad) return Outcome.of(bad.rejection());
    BuildResult built = builder.build(((ReadResult.Row) r).row());
    if (built instanceof BuildResult.Built b) return Outcome.of(b.example());
    return Outcome.of(((BuildResult.Rejected) built).rejection());
  }

  private static Iterator<DatasetStats> countOutcomes(Iterator<Outcome> it) {
    DatasetStats s = new DatasetStats();
    while (it.hasNext()) {
      Outcome o = it.next();
      s.recordRowRead(o.source());
      if (o.rejected()) s.recordRejection(o.rejection());
    }
    return Collections.singletonList(s).iterator();
  }

  private static void writeRejected(Iterator<Rejection> it, String staging, Configuration conf) {
    if (!it.hasNext()) return;
    int partition = org.apache.spark.TaskContext.getPartitionId();
    try (RejectedWriter w = RejectedWriter.open(conf, staging + "/rejected/" + String.format("part-%05d.jsonl", partition))) {
      while (it.hasNext()) w.write(it.next());
    }
  }

  private static List<Manifest.ShardFile> shardFiles(List<ShardTask.Written> written) {
    List<Manifest.ShardFile> files = new ArrayList<>();
    for (ShardTask.Written w : written) {
      if (w.path() != null) files.add(new Manifest.ShardFile(w.path(), w.rows(), w.tokens(), w.trainedTokens()));
    }
    return files;
  }

  private static JavaRDD<TokenizedExample> weightAndLimit(JavaRDD<TokenizedExample> examples, PrepareSettings p) {
    Map<String, Double> weights = new HashMap<>();
    Map<String, Long> limits = new HashMap<>();
    for (SourceSettings s : p.sources()) {
      if (s.weight() != 1.0) weights.put(s.name(), s.weight());
      if (s.limit() > 0) limits.put(s.name(), s.limit());
    }
    long seed = p.splitSeed();
    JavaRDD<TokenizedExample> weighted = weights.isEmpty() ? examples
        : examples.flatMap(e -> SourceWeighting.apply(e, weights.getOrDefault(e.source(), 1.0), seed).iterator());
    if (limits.isEmpty()) return weighted;
    // A limit keeps the examples with the smallest sampling keys: a deterministic uniform sample of the source.
    Map<String, Long> thresholds = new HashMap<>();
    for (Map.Entry<String, Long> l : limits.entrySet()) {
      String name = l.getKey();
      List<Long> smallest = weighted.filter(e -> e.source().equals(name))
          .map(e -> ExampleKeys.key(seed, "limit", e.exampleId()))
          .takeOrdered((int) Math.min(Integer.MAX_VALUE, l.getValue()));
      thresholds.put(name, smallest.size() < l.getValue() ? Long.MAX_VALUE : smallest.get(smallest.size() - 1));
    }
    return weighted.filter(e -> {
      Long t = thresholds.get(e.source());
      return t == null || ExampleKeys.key(seed, "limit", e.exampleId()) <= t;
    });
  }

  private static SplitRule splitRule(JavaRDD<TokenizedExample> examples, PrepareSettings p) {
    long seed = p.splitSeed();
    if (p.validationCount() < 0) return SplitRule.byFraction(seed, p.validationFraction());
    if (p.validationCount() == 0) return SplitRule.byCount(seed, Long.MIN_VALUE);
    SplitRule probe = SplitRule.byFraction(seed, 0);
    List<Long> smallest = examples.map(e -> probe.splitKey(e.exampleId()))
        .takeOrdered((int) Math.min(Integer.MAX_VALUE, p.validationCount()));
    return SplitRule.byCount(seed, smallest.isEmpty() ? Long.MIN_VALUE : smallest.get(smallest.size() - 1));
  }

  private static List<ShardTask.Written> writeSplit(JavaSparkContext jsc, JavaRDD<TokenizedExample> examples, String split, int configuredShards,
                                         PrepareSettings p, SplitRule rule, String staging, Broadcast<SerializableConfiguration> confB) {
    jsc.setJobDescription("prepare 4/4: shuffle and write " + split + " shards");
    JavaPairRDD<Long, TokenizedExample> keyed = examples.mapToPair(e -> new Tuple2<>(rule.orderKey(e.exampleId()), e));
    long rows = configuredShards > 0 ? 0 : keyed.count();
    int shards = configuredShards > 0 ? configuredShards : ShardPlan.shards(0, rows, p.targetRowsPerShard());
    boolean packing = p.packing();
    int seqLen = p.seqLen();
    return keyed.repartitionAndSortWithinPartitions(new HashPartitioner(shards))
        .values()
        .mapPartitionsWithIndex((index, it) -> Collections.singletonList(ShardTask.write(confB.value().value(), staging,
            "data/" + split + "/" + ShardPlan.fileName(index), split, it, packing, seqLen)).iterator(), false)
        .collect();
  }
}
