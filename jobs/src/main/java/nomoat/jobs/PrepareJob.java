package nomoat.jobs;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.NomoatConfig;
import nomoat.pipeline.config.PrepareSettings;
import nomoat.pipeline.config.SourceSettings;
import nomoat.pipeline.data.ExampleBuilder;
import nomoat.pipeline.data.ExampleSettings;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.data.TokenizedExample;
import nomoat.pipeline.io.AttemptFiles;
import nomoat.pipeline.format.TokenizerFiles;
import nomoat.pipeline.io.CommittedOutput;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.prepare.BuildSettings;
import nomoat.pipeline.prepare.ContentKey;
import nomoat.pipeline.prepare.ExampleKeys;
import nomoat.pipeline.prepare.Outcome;
import nomoat.pipeline.prepare.OutcomeBuilder;
import nomoat.pipeline.prepare.PrepareOutput;
import nomoat.pipeline.prepare.ReadRow;
import nomoat.pipeline.prepare.ReadTask;
import nomoat.pipeline.prepare.ShardKey;
import nomoat.pipeline.prepare.ShardAssignment;
import nomoat.pipeline.prepare.ShardTask;
import nomoat.pipeline.prepare.SourceWeighting;
import nomoat.pipeline.prepare.SplitRule;
import nomoat.pipeline.prepare.WrittenShards;
import nomoat.pipeline.shard.DatasetStats;
import nomoat.pipeline.shard.Manifest;
import nomoat.pipeline.shard.PreparedLayout;
import nomoat.pipeline.shard.RejectedWriter;
import nomoat.pipeline.source.ReadResults;
import nomoat.pipeline.source.SourceReader;
import nomoat.pipeline.tokenize.HfTokenizer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
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
 * Read + template + tokenize (one pass, cached) → quarantine rejects → dedup → limit → weight → split → shuffle into
 * shards (optionally packed) → manifest → commit. Row logic lives in the pipeline module; this class wires it into
 * Spark. Task outputs go to per-attempt paths and the driver moves the winners into place, so speculative or zombie
 * task attempts cannot corrupt a shard.
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

  /** Begins the output (checking settings and the output-path rule) with Spark's Hadoop configuration, then runs. */
  public static Summary run(SparkSession spark, NomoatConfig config, boolean force) {
    return run(spark, config, PrepareOutput.begin(spark.sparkContext().hadoopConfiguration(), config.prepare(), force));
  }

  /** Runs into an output already begun ({@link PrepareOutput#begin}); commits it, or aborts it on failure. */
  public static Summary run(SparkSession spark, NomoatConfig config, CommittedOutput out) {
    long t0 = System.nanoTime();
    PrepareSettings p = config.prepare();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hadoop = jsc.hadoopConfiguration();

    // Fail before any Spark job: tokenizer and templates, inputs (the output was checked when it was begun).
    String staging = out.stagingDir();
    boolean keepStaging = false;
    List<JavaRDD<?>> cached = new ArrayList<>();      // released when the stage ends, however it ends
    try {
      TokenizerFiles tok = TokenizerFiles.read(hadoop, p.tokenizer());
      HfTokenizer driverTokenizer = HfTokenizer.cached(tok.tokenizerJson(), tok.tokenizerConfigJson());
      List<ExampleSettings> settings = new ArrayList<>();
      for (SourceSettings s : p.sources()) {
        ExampleSettings es = BuildSettings.forSource(p, s);
        new ExampleBuilder(es, driverTokenizer); // validates template against tokenizer (chat_template, control tokens)
        settings.add(es);
      }
      List<ReadTask> tasks = ReadTask.plan(hadoop, p);
      LOG.info("prepare: {} sources, {} input files, output {}", p.sources().size(), tasks.size(), p.output());
      Broadcast<TokenizerFiles> tokB = jsc.broadcast(tok);
      Broadcast<SerializableConfiguration> confB = jsc.broadcast(new SerializableConfiguration(hadoop));

      // 1. read, template, tokenize: one pass over the input, kept for the later steps
      jsc.setJobDescription("prepare 1/4: read, template and tokenize " + tasks.size() + " input files");
      int parallelism = p.parallelism() > 0 ? p.parallelism() : jsc.defaultParallelism();
      JavaRDD<ReadTask> taskRdd = jsc.parallelize(tasks, Math.max(1, tasks.size()));
      JavaRDD<Outcome> outcomes;
      if (tasks.size() >= parallelism) {
        outcomes = taskRdd.mapPartitions(it -> build(read(it, confB.value().value()), settings, tokB.value()));
      } else {
        // fewer files than cores: read each file in one task, spread the rows for the expensive templating
        outcomes = taskRdd.mapPartitions(it -> read(it, confB.value().value()))
            .repartition(parallelism)
            .mapPartitions(it -> build(it, settings, tokB.value()));
      }
      outcomes = outcomes.persist(StorageLevel.MEMORY_AND_DISK()); // kept as objects: the later steps re-read it
      cached.add(outcomes);
      DatasetStats matched = new DatasetStats();                // every matched file counts, even one without rows
      for (ReadTask t : tasks) matched.recordFileMatched(t.sourceName(), t.uri());
      DatasetStats readStats = matched.merge(outcomes.mapPartitions(it -> List.of(Outcome.count(it)).iterator()).reduce(DatasetStats::merge));
      for (String f : readStats.filesWithoutRows()) LOG.warn("prepare: input file {} holds no rows (0 in the manifest's rows_read_by_file)", f);
      long rowsRead = readStats.rowsRead();
      long rejected = readStats.rejected();

      // 2. quarantine
      if (rejected > 0) {
        jsc.setJobDescription("prepare 2/4: write " + rejected + " rejected rows");
        int parts = (int) Math.min(Math.max(1, tasks.size()), rejected / 50_000 + 1);
        List<String> written = outcomes.filter(Outcome::rejected).map(Outcome::rejection).coalesce(parts)
            .mapPartitionsWithIndex((index, it) -> writeRejected(it, index, staging, confB.value().value()), false)
            .collect();
        AttemptFiles.publish(hadoop, staging, written);
      }
      if (rowsRead > 0 && rejected > p.maxRejectFraction() * rowsRead) {
        keepStaging = true;
        throw NomoatException.inputData(String.format("%,d of %,d rows rejected (%.1f%%), more than prepare.max-reject-fraction = %s; "
            + "nothing was committed; the rejected rows and their reasons are in %s/rejected/ (by reason: %s)",
            rejected, rowsRead, 100.0 * rejected / rowsRead, p.maxRejectFraction(), staging, readStats.rejectedByReason()));
      }

      // 3. dedup, then limits on the distinct examples, then weights (copies are made last, so dedup keeps them)
      jsc.setJobDescription("prepare 3/4: deduplicate, sample and weight examples");
      JavaRDD<TokenizedExample> examples = outcomes.filter(o -> !o.rejected()).map(Outcome::example);
      long total = rowsRead - rejected;                // every outcome not rejected is an example (counted in step 1)
      long duplicates = 0;
      if (p.dedup()) {
        examples = examples.mapToPair(e -> new Tuple2<>(new ContentKey(e.inputIds(), e.labels()), e))
            .reduceByKey((a, b) -> a.exampleId().compareTo(b.exampleId()) <= 0 ? a : b)
            .values()
            .persist(StorageLevel.MEMORY_AND_DISK());
        cached.add(examples);
        long distinct = examples.count();
        duplicates = total - distinct;
        total = distinct;
      }
      JavaRDD<TokenizedExample> sampled = weight(limit(examples, p), p);
      if (sampled != examples) total = sampled.count();   // limits or weights changed the count
      examples = sampled;
      if (total == 0) {
        throw NomoatException.inputData("no examples: all " + rowsRead + " input rows were rejected or removed; inputs: "
            + String.join(", ", tasks.stream().limit(10).map(ReadTask::uri).toList()) + (tasks.size() > 10 ? " and " + (tasks.size() - 10) + " more" : ""));
      }
      if (p.validationCount() >= total) {
        throw NomoatException.inputData("prepare.split.validation-count = " + p.validationCount() + " leaves no training examples ("
            + total + " examples in all)");
      }

      // 4. split, shuffle into shards (train shards first, then validation), pack, write: one shuffle for both splits
      ShardAssignment shards = ShardAssignment.plan(p, splitRule(examples, p), total);
      WrittenShards written = WrittenShards.of(writeShards(jsc, examples, shards, p, staging, confB), readStats);
      AttemptFiles.publish(hadoop, staging, written.attemptPaths());
      for (String split : written.files().keySet()) Storage.fileSystem(hadoop, new Path(staging)).mkdirs(new Path(PreparedLayout.resolve(staging, PreparedLayout.splitDir(split))));
      written.requireTrainingRows();
      DatasetStats stats = written.stats();
      stats.recordDuplicatesRemoved(duplicates);

      Manifest.Split split = new Manifest.Split(p.splitSeed(), p.validationCount() >= 0 ? null : p.validationFraction(),
          p.validationCount() >= 0 ? p.validationCount() : null);
      new Manifest(Manifest.SCHEMA_VERSION, Main.version(), Instant.now(), new Manifest.Tokenizer(tok.fileName(), driverTokenizer.sha256()),
          p.template().code(), p.packing() ? p.seqLen() : p.maxLength(), p.packing(), split, written.files(), stats, config.effective("prepare"))
          .write(hadoop, PreparedLayout.resolve(staging, PreparedLayout.MANIFEST));
      out.commit();

      double seconds = (System.nanoTime() - t0) / 1e9;
      Summary summary = new Summary(rowsRead, stats.examples(), rejected, stats.rowsBySplit().getOrDefault(DatasetStats.TRAIN, 0L),
          stats.rowsBySplit().getOrDefault(DatasetStats.VALIDATION, 0L), stats.tokens(), stats.trainedTokens(), seconds, out.outputUri());
      LOG.info(summary.toString());
      return summary;
    } catch (IOException e) {
      out.abort();
      throw NomoatException.io("prepare could not write " + staging + ": " + e.getMessage(), e);
    } catch (Throwable e) {      // not only RuntimeException: a failed Spark job throws SparkException, a checked exception
      if (!keepStaging) out.abort();
      throw e;
    } finally {
      out.close(); // a kept staging dir stops its heartbeat and goes stale: the next run of this output removes it
      cached.forEach(rdd -> rdd.unpersist(false));
    }
  }

  private static Iterator<ReadRow> read(Iterator<ReadTask> tasks, Configuration conf) {
    List<Iterator<ReadRow>> parts = new ArrayList<>();
    List<ReadResults> opened = new ArrayList<>();
    TaskContext ctx = TaskContext.get();
    if (ctx != null) ctx.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> opened.forEach(ReadResults::close));
    while (tasks.hasNext()) {
      ReadTask t = tasks.next();
      SourceReader reader = new SourceReader(t.sourceName(), t.format());
      parts.add(new MappingIterator<>(() -> {
        ReadResults r = reader.read(conf, t.file());
        opened.add(r);
        return r;
      }, r -> ReadRow.of(t, r)));
    }
    return new ConcatIterator<>(parts);
  }

  private static Iterator<Outcome> build(Iterator<ReadRow> rows, List<ExampleSettings> settings, TokenizerFiles tok) {
    OutcomeBuilder builder = new OutcomeBuilder(settings, HfTokenizer.cached(tok.tokenizerJson(), tok.tokenizerConfigJson()));
    return new MappingIterator<>(() -> rows, builder::build);
  }

  /** This task attempt's id, for {@link AttemptFiles#path}: task outputs are moved into place by the driver. */
  private static String attemptId() {
    TaskContext ctx = TaskContext.get();
    return ctx == null ? "local" : ctx.stageId() + "-" + ctx.taskAttemptId();
  }

  private static Iterator<String> writeRejected(Iterator<Rejection> it, int index, String staging, Configuration conf) {
    if (!it.hasNext()) return Collections.emptyIterator();
    String rel = AttemptFiles.path(attemptId(), PreparedLayout.rejectedFile(index));
    try (RejectedWriter w = RejectedWriter.open(conf, staging + "/" + rel)) {
      while (it.hasNext()) w.write(it.next());
    }
    return Collections.singletonList(rel).iterator();
  }

  private static JavaRDD<TokenizedExample> limit(JavaRDD<TokenizedExample> examples, PrepareSettings p) {
    long seed = p.splitSeed();
    Map<String, Long> thresholds = new HashMap<>();
    for (SourceSettings s : p.sources()) {
      if (s.limit() <= 0) continue;
      String name = s.name();
      // keep the examples with the `limit` smallest sampling keys: a deterministic uniform sample of the source
      Long t = nthSmallest(examples.filter(e -> e.source().equals(name)).map(e -> ExampleKeys.key(seed, "limit", e.exampleId())), s.limit());
      if (t != null) thresholds.put(name, t);
    }
    if (thresholds.isEmpty()) return examples;
    return examples.filter(e -> {
      Long t = thresholds.get(e.source());
      return t == null || ExampleKeys.key(seed, "limit", e.exampleId()) <= t;
    });
  }

  private static JavaRDD<TokenizedExample> weight(JavaRDD<TokenizedExample> examples, PrepareSettings p) {
    Map<String, Double> weights = new HashMap<>();
    for (SourceSettings s : p.sources()) if (s.weight() != 1.0) weights.put(s.name(), s.weight());
    if (weights.isEmpty()) return examples;
    long seed = p.splitSeed();
    return examples.flatMap(e -> SourceWeighting.apply(e, weights.getOrDefault(e.source(), 1.0), seed).iterator());
  }

  /** The n-th smallest key (1-based) by a distributed sort, or null when there are at most n keys. */
  private static Long nthSmallest(JavaRDD<Long> keys, long n) {
    List<Long> hit = keys.sortBy(k -> k, true, Math.max(1, keys.getNumPartitions()))
        .zipWithIndex()
        .filter(t -> t._2() == n - 1)
        .map(Tuple2::_1)
        .take(1);
    return hit.isEmpty() ? null : hit.get(0);
  }

  private static SplitRule splitRule(JavaRDD<TokenizedExample> examples, PrepareSettings p) {
    long seed = p.splitSeed();
    if (p.validationCount() < 0) return SplitRule.byFraction(seed, p.validationFraction());
    if (p.validationCount() == 0) return SplitRule.byCount(seed, Long.MIN_VALUE);
    SplitRule probe = SplitRule.byFraction(seed, 0);
    // count distinct originals: copies of one example share its split key
    Long t = nthSmallest(examples.filter(e -> !SourceWeighting.isCopy(e.exampleId())).map(e -> probe.splitKey(e.exampleId())), p.validationCount());
    return SplitRule.byCount(seed, t == null ? Long.MAX_VALUE : t);
  }

  private static List<ShardTask.Written> writeShards(JavaSparkContext jsc, JavaRDD<TokenizedExample> examples, ShardAssignment shards,
                                                     PrepareSettings p, String staging, Broadcast<SerializableConfiguration> confB) {
    jsc.setJobDescription("prepare 4/4: shuffle and write " + shards.trainShards() + " train and " + shards.validationShards() + " validation shards");
    boolean packing = p.packing();
    int seqLen = p.seqLen();
    return examples.mapToPair(e -> new Tuple2<>(shards.key(e.exampleId()), e))
        .repartitionAndSortWithinPartitions(new ShardPartitioner(shards.partitions()))
        .values()
        .mapPartitionsWithIndex((shard, it) -> Collections.singletonList(ShardTask.write(confB.value().value(), staging,
            AttemptFiles.path(attemptId(), shards.file(shard)), shards.split(shard), it, packing, seqLen)).iterator(), false)
        .collect();
  }

  /** Routes a {@link ShardKey} to its shard's partition. */
  static final class ShardPartitioner extends org.apache.spark.Partitioner {
    private final int partitions;

    ShardPartitioner(int partitions) { this.partitions = partitions; }

    @Override public int numPartitions() { return partitions; }

    @Override public int getPartition(Object key) { return ((ShardKey) key).shard(); }

    @Override public boolean equals(Object o) { return o instanceof ShardPartitioner s && s.partitions == partitions; }

    @Override public int hashCode() { return partitions; }
  }
}
