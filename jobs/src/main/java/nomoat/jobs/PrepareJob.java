package nomoat.jobs;

import java.io.IOException;
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
import nomoat.pipeline.data.SourceRow;
import nomoat.pipeline.data.TokenizedExample;
import nomoat.pipeline.format.TokenizerFiles;
import nomoat.pipeline.io.CommittedOutput;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.prepare.ContentKey;
import nomoat.pipeline.prepare.ExampleKeys;
import nomoat.pipeline.prepare.RecordIds;
import nomoat.pipeline.prepare.ShardKey;
import nomoat.pipeline.prepare.ShardPlan;
import nomoat.pipeline.prepare.ShardTask;
import nomoat.pipeline.prepare.SourceWeighting;
import nomoat.pipeline.prepare.SplitRule;
import nomoat.pipeline.shard.DatasetStats;
import nomoat.pipeline.shard.Manifest;
import nomoat.pipeline.shard.PreparedLayout;
import nomoat.pipeline.shard.RejectedWriter;
import nomoat.pipeline.source.InputFile;
import nomoat.pipeline.source.InputFiles;
import nomoat.pipeline.source.ReadResult;
import nomoat.pipeline.source.ReadResults;
import nomoat.pipeline.source.SourceFormat;
import nomoat.pipeline.source.SourceReader;
import nomoat.pipeline.tokenize.HfTokenizer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
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

  /** One input file of one source, and the path its example ids are relative to. */
  record ReadTask(int source, String sourceName, String format, String uri, long length, String relativePath)
      implements java.io.Serializable {}

  public static Summary run(SparkSession spark, NomoatConfig config, boolean force) {
    long t0 = System.nanoTime();
    PrepareSettings p = config.prepare();
    p.requireOutputAndTokenizer();
    p.requireSources();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hadoop = jsc.hadoopConfiguration();

    // Fail before any Spark job: committed output, tokenizer and templates, inputs.
    CommittedOutput out = CommittedOutput.begin(hadoop, p.output(), force);
    String staging = out.stagingDir();
    boolean keepStaging = false;
    List<JavaRDD<?>> cached = new ArrayList<>();      // released when the stage ends, however it ends
    try {
      TokenizerFiles tok = TokenizerFiles.read(hadoop, p.tokenizer());
      HfTokenizer driverTokenizer = HfTokenizer.cached(tok.tokenizerJson(), tok.tokenizerConfigJson());
      List<ExampleSettings> settings = new ArrayList<>();
      for (SourceSettings s : p.sources()) {
        ExampleSettings es = exampleSettings(p, s);
        new ExampleBuilder(es, driverTokenizer); // validates template against tokenizer (chat_template, control tokens)
        settings.add(es);
      }
      List<ReadTask> tasks = planReads(hadoop, p);
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
      DatasetStats readStats = outcomes.mapPartitions(PrepareJob::countOutcomes).reduce(DatasetStats::merge);
      long rowsRead = readStats.rowsRead();
      long rejected = readStats.rejected();

      // 2. quarantine
      if (rejected > 0) {
        jsc.setJobDescription("prepare 2/4: write " + rejected + " rejected rows");
        int parts = (int) Math.min(Math.max(1, tasks.size()), rejected / 50_000 + 1);
        List<String> written = outcomes.filter(Outcome::rejected).map(Outcome::rejection).coalesce(parts)
            .mapPartitionsWithIndex((index, it) -> writeRejected(it, index, staging, confB.value().value()), false)
            .collect();
        publish(hadoop, staging, written);
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
      if (total == 0) throw NomoatException.inputData("no examples: all " + rowsRead + " input rows were rejected or removed");
      if (p.validationCount() >= total) {
        throw NomoatException.inputData("prepare.split.validation-count = " + p.validationCount() + " leaves no training examples ("
            + total + " examples in all)");
      }

      // 4. split, shuffle into shards (train shards first, then validation), pack, write: one shuffle for both splits
      SplitRule rule = splitRule(examples, p);
      long validationEstimate = p.validationCount() >= 0 ? p.validationCount() : Math.round(total * p.validationFraction());
      int trainShards = ShardPlan.shards(p.trainShards(), total - validationEstimate, p.targetRowsPerShard());
      int validationShards = validationEstimate == 0 ? 0 : ShardPlan.shards(p.validationShards(), validationEstimate, p.targetRowsPerShard());
      List<ShardTask.Written> written = writeShards(jsc, examples, rule, trainShards, validationShards, p, staging, confB);
      Map<String, List<Manifest.ShardFile>> shards = new LinkedHashMap<>();
      shards.put(DatasetStats.TRAIN, new ArrayList<>());
      shards.put(DatasetStats.VALIDATION, new ArrayList<>());
      DatasetStats stats = readStats;
      for (ShardTask.Written w : written) {
        stats = stats.merge(w.stats());
        if (w.path() == null) continue;
        String finalPath = finalPath(w.path());
        String split = finalPath.startsWith(PreparedLayout.splitDir(DatasetStats.TRAIN) + "/") ? DatasetStats.TRAIN : DatasetStats.VALIDATION;
        shards.get(split).add(new Manifest.ShardFile(finalPath, w.rows(), w.tokens(), w.trainedTokens()));
      }
      publish(hadoop, staging, written.stream().map(ShardTask.Written::path).filter(x -> x != null).toList());
      for (String split : shards.keySet()) Storage.fileSystem(hadoop, new Path(staging)).mkdirs(new Path(PreparedLayout.resolve(staging, PreparedLayout.splitDir(split))));
      if (stats.rowsBySplit().getOrDefault(DatasetStats.TRAIN, 0L) == 0) {
        throw NomoatException.inputData("the split left no training examples; lower prepare.split.validation-fraction");
      }
      stats.recordDuplicatesRemoved(duplicates);

      Manifest.Split split = new Manifest.Split(p.splitSeed(), p.validationCount() >= 0 ? null : p.validationFraction(),
          p.validationCount() >= 0 ? p.validationCount() : null);
      new Manifest(Manifest.SCHEMA_VERSION, Main.version(), Instant.now(), new Manifest.Tokenizer(tok.fileName(), driverTokenizer.sha256()),
          p.template(), p.packing() ? p.seqLen() : p.maxLength(), p.packing(), split, shards, stats, config.effective("prepare"))
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
    } catch (RuntimeException e) {
      if (!keepStaging) out.abort();
      throw e;
    } finally {
      cached.forEach(rdd -> rdd.unpersist(false));
    }
  }

  static List<ReadTask> planReads(Configuration hadoop, PrepareSettings p) {
    List<ReadTask> tasks = new ArrayList<>();
    for (int i = 0; i < p.sources().size(); i++) {
      SourceSettings s = p.sources().get(i);
      SourceFormat declared = SourceFormat.parse(s.fileFormat());
      Map<String, ReadTask> byUri = new LinkedHashMap<>();
      for (String pattern : s.paths()) {
        Path qualified = qualify(hadoop, pattern);
        String root = RecordIds.root(qualified.toString(), isDirectory(hadoop, qualified));
        for (InputFile f : InputFiles.expand(hadoop, List.of(pattern))) {
          SourceFormat format = declared.resolve(hadoop, f.uri());
          byUri.putIfAbsent(f.uri(), new ReadTask(i, s.name(), format.code(), f.uri(), f.length(), RecordIds.relative(f.uri(), root)));
        }
      }
      tasks.addAll(byUri.values());
    }
    return tasks;
  }

  private static Path qualify(Configuration hadoop, String pattern) {
    Path path = new Path(pattern);
    return Storage.fileSystem(hadoop, path).makeQualified(path);
  }

  private static boolean isDirectory(Configuration hadoop, Path p) {
    try {
      FileSystem fs = Storage.fileSystem(hadoop, p);
      return fs.exists(p) && fs.getFileStatus(p).isDirectory();
    } catch (IOException | IllegalArgumentException e) {
      return false; // a glob: not a directory itself
    }
  }

  static ExampleSettings exampleSettings(PrepareSettings p, SourceSettings s) {
    String template = s.recordFormat().equals("text") ? "raw" : p.template();
    return new ExampleSettings(s.recordFormat(), s.columns(), template, p.systemPrompt(), p.trainOnPrompt(),
        p.trainAllAssistantTurns(), p.maxLength(), p.dropOverLong());
  }

  /** A row as read, with the source index and the id it gets (stable across stores and prefixes; null for a bad row). */
  record ReadRow(int source, String exampleId, ReadResult result) implements java.io.Serializable {}

  private static Iterator<ReadRow> read(Iterator<ReadTask> tasks, Configuration conf) {
    List<Iterator<ReadRow>> parts = new ArrayList<>();
    List<ReadResults> opened = new ArrayList<>();
    TaskContext ctx = TaskContext.get();
    if (ctx != null) ctx.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> opened.forEach(ReadResults::close));
    while (tasks.hasNext()) {
      ReadTask t = tasks.next();
      SourceReader reader = new SourceReader(t.sourceName(), SourceFormat.parse(t.format()));
      parts.add(new MappingIterator<>(() -> {
        ReadResults r = reader.read(conf, new InputFile(t.uri(), t.length()));
        opened.add(r);
        return r;
      }, r -> new ReadRow(t.source(), r instanceof ReadResult.Row row                // bad rows need no id
          ? ExampleBuilder.exampleId(t.sourceName(), t.relativePath() + RecordIds.position(row.row().location(), t.uri())) : null, r)));
    }
    return new ConcatIterator<>(parts);
  }

  private static Iterator<Outcome> build(Iterator<ReadRow> rows, List<ExampleSettings> settings, TokenizerFiles tok) {
    HfTokenizer tokenizer = HfTokenizer.cached(tok.tokenizerJson(), tok.tokenizerConfigJson());
    Map<Integer, ExampleBuilder> builders = new HashMap<>();
    return new MappingIterator<>(() -> rows, r -> {
      if (r.result() instanceof ReadResult.Bad bad) return Outcome.of(bad.rejection());
      SourceRow row = ((ReadResult.Row) r.result()).row();
      BuildResult built = builders.computeIfAbsent(r.source(), i -> new ExampleBuilder(settings.get(i), tokenizer)).build(row, r.exampleId());
      return built instanceof BuildResult.Built b ? Outcome.of(b.example()) : Outcome.of(((BuildResult.Rejected) built).rejection());
    });
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

  /** Task outputs are written below _attempts/{task attempt}/ and moved into place by the driver. */
  private static String attemptDir() {
    TaskContext ctx = TaskContext.get();
    return "_attempts/" + (ctx == null ? "local" : ctx.stageId() + "-" + ctx.taskAttemptId());
  }

  private static String finalPath(String attemptPath) {
    return attemptPath.substring(attemptPath.indexOf('/', "_attempts/".length()) + 1);
  }

  private static Iterator<String> writeRejected(Iterator<Rejection> it, int index, String staging, Configuration conf) {
    if (!it.hasNext()) return Collections.emptyIterator();
    String rel = attemptDir() + "/" + PreparedLayout.rejectedFile(index);
    try (RejectedWriter w = RejectedWriter.open(conf, staging + "/" + rel)) {
      while (it.hasNext()) w.write(it.next());
    }
    return Collections.singletonList(rel).iterator();
  }

  /** Moves the winning attempts' files to their final names and drops every attempt directory. */
  private static void publish(Configuration hadoop, String staging, List<String> attemptPaths) throws IOException {
    FileSystem fs = Storage.fileSystem(hadoop, new Path(staging));
    for (String rel : attemptPaths) {
      Path from = new Path(staging + "/" + rel), to = new Path(staging + "/" + finalPath(rel));
      fs.mkdirs(to.getParent());
      if (!fs.rename(from, to)) throw new IOException("cannot move " + from + " to " + to);
    }
    fs.delete(new Path(staging + "/_attempts"), true);
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
    Long t = nthSmallest(examples.filter(e -> e.exampleId().indexOf('#') < 0).map(e -> probe.splitKey(e.exampleId())), p.validationCount());
    return SplitRule.byCount(seed, t == null ? Long.MAX_VALUE : t);
  }

  private static List<ShardTask.Written> writeShards(JavaSparkContext jsc, JavaRDD<TokenizedExample> examples, SplitRule rule,
                                                     int trainShards, int validationShards, PrepareSettings p, String staging,
                                                     Broadcast<SerializableConfiguration> confB) {
    jsc.setJobDescription("prepare 4/4: shuffle and write " + trainShards + " train and " + validationShards + " validation shards");
    JavaPairRDD<ShardKey, TokenizedExample> keyed = examples.mapToPair(e -> {
      long order = rule.orderKey(e.exampleId());
      int shard = rule.isValidation(e.exampleId())
          ? trainShards + (int) Math.floorMod(order, (long) Math.max(1, validationShards))
          : (int) Math.floorMod(order, (long) trainShards);
      return new Tuple2<>(new ShardKey(shard, order), e);
    });
    boolean packing = p.packing();
    int seqLen = p.seqLen();
    return keyed.repartitionAndSortWithinPartitions(new ShardPartitioner(trainShards + Math.max(1, validationShards)))
        .values()
        .mapPartitionsWithIndex((index, it) -> {
          String split = index < trainShards ? DatasetStats.TRAIN : DatasetStats.VALIDATION;
          int part = index < trainShards ? index : index - trainShards;
          return Collections.singletonList(ShardTask.write(confB.value().value(), staging,
              attemptDir() + "/" + PreparedLayout.shardFile(split, part), split, it, packing, seqLen)).iterator();
        }, false)
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
