package nomoat.jobs;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.NomoatConfig;
import nomoat.pipeline.config.TrainSettings;
import nomoat.pipeline.cost.ComputeUsage;
import nomoat.pipeline.cost.RunCost;
import nomoat.pipeline.format.PeftAdapterDir;
import nomoat.pipeline.format.Safetensors;
import nomoat.pipeline.io.ContentFingerprint;
import nomoat.pipeline.io.CommittedOutput;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.model.LoraInit;
import nomoat.pipeline.model.WeightStorage;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.format.ModelHeader;
import nomoat.pipeline.format.ModelLoader;
import nomoat.pipeline.shard.ShardReader;
import nomoat.pipeline.shard.ShardRow;
import nomoat.pipeline.tokenize.Hashing;
import nomoat.pipeline.train.AdamW;
import nomoat.pipeline.train.AdapterBytes;
import nomoat.pipeline.train.AdapterOptimizer;
import nomoat.pipeline.train.AdapterParams;
import nomoat.pipeline.train.BaseAdapters;
import nomoat.pipeline.train.Checkpoints;
import nomoat.pipeline.train.DataPlan;
import nomoat.pipeline.train.LocalTrainer;
import nomoat.pipeline.train.LrSchedule;
import nomoat.pipeline.train.ModelCache;
import nomoat.pipeline.train.OptimizerState;
import nomoat.pipeline.train.ShardScan;
import nomoat.pipeline.train.StepRecord;
import nomoat.pipeline.train.StepResults;
import nomoat.pipeline.train.TrainInputs;
import nomoat.pipeline.train.TrainLayout;
import nomoat.pipeline.train.TrainingSparkChecks;
import nomoat.pipeline.train.WorkerResult;
import nomoat.pipeline.train.WorkerRows;
import nomoat.pipeline.train.WorkerStep;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The train stage: data-parallel LoRA training over prepare's shards. One optimiser step is one Spark job: the adapter
 * goes out by broadcast, each of the {@code workers} cached partitions runs its micro-batches of the step
 * ({@link WorkerStep}), gradient sums come back through {@code treeAggregate} with an empty zero value, summed on a fixed
 * tree over worker indices ({@link StepResults}: the same bits whatever order tasks finish in), and the driver
 * averages, clips and applies AdamW ({@link AdapterOptimizer}). Which rows a worker trains is a pure function of the seed
 * and the manifest ({@link DataPlan}); the rows move to their worker once per epoch.
 */
public final class TrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  private TrainJob() {}

  public record Summary(long steps, double loss, Double valLoss, double seconds, String output) {
    @Override
    public String toString() {
      return String.format("train: %d steps, final loss %.4f%s in %.1f s -> %s", steps, loss,
          valLoss == null ? "" : String.format(", validation loss %.4f", valLoss), seconds, output);
    }
  }

  public static Summary run(SparkSession spark, NomoatConfig config, boolean force, PrintWriter console) {
    return run(spark, config, force, null, console);
  }

  /** @param resume null = a fresh run; "auto" = the newest committed checkpoint of this output, if any; else a checkpoint dir */
  public static Summary run(SparkSession spark, NomoatConfig config, boolean force, String resume, PrintWriter console) {
    long t0 = System.nanoTime();
    TrainSettings t = config.train();
    t.requireDataAndOutput();
    config.model().requirePath();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hadoop = jsc.hadoopConfiguration();

    // Refusals before any Spark job: committed output, data, model, tokenizer, LoRA, batch shape, Spark settings.
    CommittedOutput out = CommittedOutput.begin(hadoop, t.output(), force);
    String staging = out.stagingDir();
    List<JavaRDD<?>> cached = new ArrayList<>();
    List<Broadcast<?>> broadcasts = new ArrayList<>();
    RunCost runCost = new RunCost(config.cost().prices());
    SparkAccounting acct = null;
    try {
      TrainInputs in = TrainInputs.openData(hadoop, t.data());
      String modelUri = config.model().path();
      nomoat.pipeline.config.EngineSettings engine = config.engine();   // resolved on each executor (threads = 0: its own cores)
      boolean recompute = t.recomputeLayers();                         // train.recompute = layers: gradient checkpointing
      WeightStorage storage = config.model().weightsDtype();            // frozen weights kept as stored unless told otherwise
      BaseAdapters baseAdapters = BaseAdapters.of(config.model());   // merged into the base or stacked beside the trained adapter
      ModelHeader base = ModelLoader.header(hadoop, modelUri);        // the driver checks; executors load the weights
      baseAdapters.check(hadoop, base.config());
      LoraSpec spec = TrainInputs.checkLora(config.lora(), base.config());
      in.checkTokenizer(hadoop, base, modelUri);
      in.warnings().forEach(w -> LOG.warn(w));
      int workers = t.workers() > 0 ? t.workers() : jsc.defaultParallelism();
      in.checkBatch(t, workers);
      long totalSteps = in.totalSteps(t, workers);
      LoraAdapter adapter = t.initAdapter() != null
          ? BaseAdapters.initFrom(hadoop, t.initAdapter(), spec, base.config(), DataType.FLOAT)
          : LoraInit.create(spec, base.config(), config.lora().initSeed());
      byte[] adapterBytes = AdapterBytes.encode(adapter);
      checkSparkSettings(jsc.getConf(), adapterBytes.length, weightBytes(hadoop, base, modelUri, storage), engine.options().threads(), workers);
      Map<String, String> hashes = runHashes(config, in, hadoop, modelUri, baseAdapters, workers);
      String checkpointDir = Checkpoints.dirFor(out.outputUri());
      String from = resume == null ? null : resume.equals("auto") ? Checkpoints.newest(hadoop, checkpointDir) : resume;
      Checkpoints.Restored restored = from == null ? null : Checkpoints.read(hadoop, from, spec, hashes);
      if (resume != null && restored == null) LOG.info("train: --resume auto found no committed checkpoint in {}; starting fresh", checkpointDir);
      if (restored != null) {
        adapter = restored.adapter();
        console.println("train: resuming from " + restored.dir() + " (step " + restored.state().step() + ")");
      }
      String accountingFile = TrainLayout.resolve(checkpointDir, ACCOUNTING);
      long trainedBefore = restored == null ? 0 : trainedTokens(restored.metrics());
      // With --resume, earlier attempts of this output count, also one that died before its first checkpoint (it left
      // only the accounting file); without --resume the run starts over. A committed output has no checkpoint dir (its
      // checkpoints moved into it), so a --force rerun counts only itself.
      acct = SparkAccounting.start(spark.sparkContext(),
          resume == null ? ComputeUsage.NONE : earlierAttempts(hadoop, accountingFile, restored == null ? null : restored.metrics()));
      AdapterOptimizer optimizer = new AdapterOptimizer(adapter,
          restored != null ? restored.optimizer() : OptimizerState.zerosLike(AdapterParams.of(adapter)), settings(t, totalSteps));
      int vocab = base.config().vocabSize();

      // First pass: row lengths for the data plan, token ids checked against the vocabulary.
      Broadcast<SerializableConfiguration> confB = jsc.broadcast(new SerializableConfiguration(hadoop));
      broadcasts.add(confB);
      List<String> shards = new ArrayList<>(in.trainShards());
      shards.addAll(in.validationShards());
      jsc.setJobDescription("nomoat train: scan " + shards.size() + " shards");
      List<ShardScan> scans = jsc.parallelize(shards, shards.size()).map(u -> ShardScan.scan(confB.value().value(), u, vocab)).collect();
      int nTrain = in.trainShards().size();
      int[] trainLengths = ShardScan.lengths(scans.subList(0, nTrain), in.trainRows());
      int[] valLengths = ShardScan.lengths(scans.subList(nTrain, scans.size()), in.validationRows());
      long perEpoch = DataPlan.stepsPerEpoch(trainLengths.length, t.microBatch(), workers, t.gradAccum());
      LOG.info("train: {} training rows, {} validation rows, {} workers x {} rows x {} micro-batches = {} rows per step, {} steps ({} per epoch)",
          trainLengths.length, valLengths.length, workers, t.microBatch(), t.gradAccum(), t.globalBatch(workers), totalSteps, perEpoch);

      JavaPairRDD<Integer, ShardRow> trainRows = rows(jsc, in.trainShards(), in.trainRows(), confB);
      JavaRDD<WorkerRows> validation = null;
      List<int[]> valPlan = DataPlan.validation(valLengths, t.microBatch());
      if (valLengths.length > 0) {
        int[] valWorker = new int[valLengths.length];
        for (int k = 0; k < valPlan.size(); k++) for (int r : valPlan.get(k)) valWorker[r] = k % workers;
        Broadcast<int[]> vw = jsc.broadcast(valWorker);
        broadcasts.add(vw);
        validation = byWorker(rows(jsc, in.validationShards(), in.validationRows(), confB), vw, workers);
        cached.add(validation);
      }

      OutputStream metrics = Storage.create(hadoop, TrainLayout.resolve(staging, TrainLayout.METRICS));
      java.io.ByteArrayOutputStream metricsSoFar = new java.io.ByteArrayOutputStream();
      if (restored != null) {
        metrics.write(restored.metrics());
        metricsSoFar.write(restored.metrics());
      }
      long seed = t.seed();
      int gradAccum = t.gradAccum();
      // the executors' model cache key, listed once here instead of on storage by every task of every step
      String modelIdentity = ModelCache.identity(hadoop, modelUri), adaptersVariant = baseAdapters.cacheVariant(hadoop);
      JavaRDD<WorkerRows> epochRows = null;
      Broadcast<DataPlan> planB = null;
      Broadcast<int[]> ownerB = null;
      long epochOf = -1;
      StepRecord last = null;
      double trainSeconds = 0;
      long processed = 0, trained = trainedBefore, firstStep = optimizer.state().step();
      long accountingWritten = System.nanoTime();
      acct.mark();                                      // steps' own usage starts here (the scans are setup)
      ComputeUsage atFirstStep = acct.usage(0, trainedBefore);
      Storage.writeBytes(hadoop, accountingFile, acct.usage(0, 0).toJson());   // an attempt dying in its first step still counts
      try (metrics) {
        for (long s = optimizer.state().step(); s < totalSteps; s = optimizer.state().step()) {
          long stepStart = System.nanoTime();
          long epoch = s / perEpoch, inEpoch = s % perEpoch;
          if (epoch != epochOf) {                       // rows move to their worker once per epoch
            if (epochRows != null) { epochRows.unpersist(false); planB.destroy(); ownerB.destroy(); }
            DataPlan plan = DataPlan.epoch(trainLengths, t.microBatch(), t.lengthWindow(), seed, epoch, workers, gradAccum);
            planB = jsc.broadcast(plan);
            // Kept for the whole epoch: when an executor is lost, Spark reruns the shuffle that placed its rows, and
            // that rerun reads the owner of every row again.
            ownerB = jsc.broadcast(plan.workerOfRow(trainLengths.length, gradAccum));
            broadcasts.add(planB);
            broadcasts.add(ownerB);
            jsc.setJobDescription("nomoat train: epoch " + (epoch + 1) + " rows to " + workers + " workers");
            epochRows = byWorker(trainRows, ownerB, workers);
            epochRows.count();
            acct.mark();                                // moving rows is the epoch's, not the step's
            epochOf = epoch;
            stepStart = System.nanoTime();
          }
          Broadcast<DataPlan> stepPlan = planB;
          long step = s;
          jsc.setJobDescription("nomoat train step " + (s + 1) + "/" + totalSteps);
          WorkerResult r = exchange(jsc, epochRows, workers, AdapterBytes.encode(optimizer.adapter()), (w, mine, bytes) -> {
            ModelCache.Entry m = ModelCache.entry(confB.value().value(), modelUri, modelIdentity, baseAdapters, adaptersVariant, storage,
                engine.options().withRecompute(recompute));
            LoraAdapter a = AdapterBytes.decode(spec, bytes);
            return WorkerStep.train(m.model(), m.stacked(), a, mine, stepPlan.value(), step, inEpoch, w, gradAccum, seed);
          });
          LocalTrainer.StepMetrics m = optimizer.apply(r.sums());
          double stepSeconds = (System.nanoTime() - stepStart) / 1e9, compute = r.slowestComputeNanos() / 1e9;
          trainSeconds += stepSeconds;
          processed += r.realTokens();
          trained += m.tokens();
          StepRecord rec = new StepRecord(s + 1, (double) (s + 1) / perEpoch, m.loss(), null, m.lr(), m.gradNorm(), m.tokens(),
              r.realTokens() / stepSeconds, r.paddingShare(), stepSeconds, compute, Math.max(0, stepSeconds - compute), m.skipped());
          boolean lastStep = s + 1 == totalSteps;
          if (validation != null && (lastStep || (t.evalEvery() > 0 && (s + 1) % t.evalEvery() == 0))) {
            WorkerResult v = evaluate(jsc, validation, valPlan, workers, optimizer.adapter(), spec, modelUri, baseAdapters, storage, engine, confB, s + 1, totalSteps);
            processed += v.realTokens();
            rec = rec.withValLoss(v.sums().meanLoss());
          }
          SparkAccounting.Delta used = acct.mark();
          Map<String, Number> stepUsage = new LinkedHashMap<>();
          stepUsage.put("executor_core_s", used.executorCoreSeconds());
          if (used.gpuSeconds() > 0) stepUsage.put("gpu_s", used.gpuSeconds());
          byte[] line = (rec.toJsonLine(stepUsage) + "\n").getBytes(StandardCharsets.UTF_8);
          metrics.write(line);
          metrics.flush();
          metricsSoFar.write(line);
          if (t.checkpointEvery() > 0 && (s + 1) % t.checkpointEvery() == 0) {
            long next = s + 1;
            Checkpoints.write(hadoop, checkpointDir, optimizer.adapter(), optimizer.state(),
                new Checkpoints.TrainerState(next, next / perEpoch, next % perEpoch, seed, out.runId(), hashes),
                metricsSoFar.toByteArray(), modelUri, t.keepCheckpoints());
          }
          ComputeUsage soFar = acct.usage(processed, trained);
          boolean checkpointed = t.checkpointEvery() > 0 && (s + 1) % t.checkpointEvery() == 0;
          if (lastStep || checkpointed || System.nanoTime() - accountingWritten >= ACCOUNTING_EVERY_NANOS) {
            Storage.writeBytes(hadoop, accountingFile, soFar.toJson());   // what a resumed attempt adds to
            accountingWritten = System.nanoTime();
          }
          if ((s + 1) % t.logEvery() == 0 || lastStep || s == 0)
            console.println(rec.consoleLine(totalSteps, trainSeconds / (s + 1 - firstStep) * (totalSteps - s - 1))
                + runCost.progress(soFar, atFirstStep, s + 1 - firstStep, totalSteps - s - 1));
          last = rec;
        }
      }
      PeftAdapterDir.write(hadoop, TrainLayout.resolve(staging, TrainLayout.ADAPTER), optimizer.adapter(), modelUri, Safetensors.Dtype.F32);
      acct.settle();
      ComputeUsage used = acct.usage(processed, trained);
      Map<String, Object> run = runJson(config, in, base, modelUri, workers, totalSteps, out.runId(), jsc, last, hashes,
          restored == null ? null : restored.dir());
      run.putAll(runCost.runJson(used));
      TrainLayout.writeRunJson(hadoop, staging, run);
      Checkpoints.moveInto(hadoop, checkpointDir, staging);
      out.commit();
      Summary summary = new Summary(totalSteps, last == null ? Double.NaN : last.loss(), last == null ? null : last.valLoss(),
          (System.nanoTime() - t0) / 1e9, out.outputUri());
      LOG.info(summary.toString());
      console.println("train " + runCost.summary(used));
      return summary;
    } catch (IOException e) {
      out.abort();
      throw NomoatException.io("train could not write " + staging + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      out.abort();
      throw e;
    } finally {
      if (acct != null) acct.close();
      cached.forEach(rdd -> rdd.unpersist(false));
      for (Broadcast<?> b : broadcasts) if (b.isValid()) b.destroy();
    }
  }

  /**
   * The one place the driver validates Spark settings against training before the loop (dynamic allocation,
   * speculation, task cpus, result and RPC sizes against the adapter, executor overhead against the model).
   */
  static void checkSparkSettings(SparkConf conf, long adapterBytes, long modelOffHeapBytes, int threads, int workers) {
    Map<String, String> all = new java.util.TreeMap<>();
    for (Tuple2<String, String> kv : conf.getAll()) all.put(kv._1(), kv._2());
    TrainingSparkChecks.Result r = TrainingSparkChecks.check(all,
        new TrainingSparkChecks.Inputs(adapterBytes, modelOffHeapBytes, threads, workers));
    r.warnings().forEach(LOG::warn);
    if (!r.ok()) throw NomoatException.config(String.join("; ", r.errors()));
  }

  public static LocalTrainer.Settings settings(TrainSettings t, long totalSteps) {
    return new LocalTrainer.Settings(new AdamW(t.beta1(), t.beta2(), t.eps(), t.weightDecay()),
        new LrSchedule(LrSchedule.kindOf(t.schedule()), t.lr(), t.warmup(), totalSteps), t.maxGradNorm(), t.seed());
  }

  /**
   * The workers' results of one step summed on a fixed tree over worker indices ({@link StepResults}), so the sum is
   * bitwise the same whatever order tasks finish in. The one place the job chooses Spark's aggregation.
   */
  static WorkerResult sum(JavaRDD<StepResults> perWorker) {
    return perWorker.treeAggregate(null, StepResults::merge, StepResults::merge, 2).result();
  }

  /** Validation loss sums and token counts (mean: {@code sums().meanLoss()}), scored by the same workers. */
  private static WorkerResult evaluate(JavaSparkContext jsc, JavaRDD<WorkerRows> validation, List<int[]> plan, int workers, LoraAdapter adapter,
                                       LoraSpec spec, String modelUri, BaseAdapters baseAdapters, WeightStorage storage,
                                       nomoat.pipeline.config.EngineSettings engine, Broadcast<SerializableConfiguration> confB, long step, long total) {
    jsc.setJobDescription("nomoat train validation after step " + step + "/" + total);
    return exchange(jsc, validation, workers, AdapterBytes.encode(adapter), (w, mine, bytes) -> {
      ModelCache.Entry m = ModelCache.entry(confB.value().value(), modelUri, baseAdapters, storage, engine.options());
      List<LoraAdapter> active = new ArrayList<>(m.stacked());
      active.add(AdapterBytes.decode(spec, bytes));
      return WorkerStep.evaluate(m.model(), active, mine, plan, w, workers);
    });
  }

  /** The body of one worker's task in a step: its partition's single element and the broadcast adapter bytes. */
  @FunctionalInterface
  public interface WorkerTask<T> extends java.io.Serializable {
    WorkerResult run(int worker, T rows, byte[] adapter) throws Exception;
  }

  /**
   * The coordination of one step (or validation pass), shared by the job and {@code bench train}: the adapter bytes go
   * out by broadcast (destroyed afterwards), each of the {@code workers} partitions runs {@code task} on its one element,
   * and the results come back through {@link #sum}.
   */
  public static <T> WorkerResult exchange(JavaSparkContext jsc, JavaRDD<T> workerPartitions, int workers, byte[] adapter, WorkerTask<T> task) {
    Broadcast<byte[]> adapterB = jsc.broadcast(adapter);
    try {
      return sum(workerPartitions.mapPartitionsWithIndex(
          (w, it) -> Collections.singletonList(StepResults.leaf(w, workers, task.run(w, it.next(), adapterB.value()))).iterator(), true));
    } finally {
      adapterB.destroy();
    }
  }

  /**
   * Beside the checkpoints: the compute the run has used so far, read by a resumed attempt. Rewritten at each checkpoint,
   * at the last step and otherwise at most every {@link #ACCOUNTING_EVERY_NANOS}: one file write took 30–180 ms on a busy
   * local disk (more on HDFS or S3), a cost per step outside the step's own time; a killed attempt's last seconds may go
   * uncounted.
   */
  static final String ACCOUNTING = "accounting.json";
  static final long ACCOUNTING_EVERY_NANOS = 10_000_000_000L;

  /**
   * What earlier attempts used: the accounting file they rewrote (so steps redone after the checkpoint mostly
   * count too), or, without one (a checkpoint from elsewhere), the executor core- and GPU-seconds of the
   * checkpoint's metrics lines; with neither (no checkpoint restored, {@code restoredMetrics} null), nothing.
   */
  private static ComputeUsage earlierAttempts(Configuration hadoop, String accountingFile, byte[] restoredMetrics) {
    ComputeUsage u = Storage.exists(hadoop, accountingFile) ? ComputeUsage.fromJson(Storage.readAllBytes(hadoop, accountingFile, 1 << 20)) : null;
    if (u != null) return u.withTokens(u.tokensProcessed(), 0);
    if (restoredMetrics == null) return ComputeUsage.NONE;
    double core = 0, gpu = 0, wall = 0;
    for (String line : new String(restoredMetrics, StandardCharsets.UTF_8).split("\n")) {
      Map<String, Object> m = parse(line);
      core += num(m, "executor_core_s");
      gpu += num(m, "gpu_s");
      wall += num(m, "step_s");
    }
    return new ComputeUsage(core, gpu, 0, 0, wall, 0, 0, 0, 0, -1, -1, 1);
  }

  /** Trained tokens of the steps a checkpoint's metrics lines record. */
  private static long trainedTokens(byte[] metrics) {
    long n = 0;
    for (String line : new String(metrics, StandardCharsets.UTF_8).split("\n")) n += (long) num(parse(line), "trained_tokens");
    return n;
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper LINES = new com.fasterxml.jackson.databind.ObjectMapper();

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parse(String line) {
    if (line.isBlank()) return Map.of();
    try {
      return LINES.readValue(line, Map.class);
    } catch (IOException e) {
      return Map.of();
    }
  }

  private static double num(Map<String, Object> m, String key) {
    return m.get(key) instanceof Number n ? n.doubleValue() : 0;
  }

  /** Every row of the given shards, keyed by its index in manifest order. */
  static JavaPairRDD<Integer, ShardRow> rows(JavaSparkContext jsc, List<String> shards, List<Long> rowCounts,
                                                     Broadcast<SerializableConfiguration> confB) {
    List<Tuple2<String, Integer>> tasks = new ArrayList<>();
    int offset = 0;
    for (int i = 0; i < shards.size(); i++) {
      tasks.add(new Tuple2<>(shards.get(i), offset));
      offset += rowCounts.get(i).intValue();
    }
    return jsc.parallelize(tasks, Math.max(1, tasks.size())).flatMapToPair(task -> {
      List<Tuple2<Integer, ShardRow>> out = new ArrayList<>();
      int k = task._2();
      try (ShardReader reader = ShardReader.open(confB.value().value(), task._1())) {
        while (reader.hasNext()) out.add(new Tuple2<>(k++, reader.next()));
      }
      return out.iterator();
    });
  }

  /** One cached partition per worker holding the rows the owner table gives it (-1: not used). */
  static JavaRDD<WorkerRows> byWorker(JavaPairRDD<Integer, ShardRow> rows, Broadcast<int[]> owner, int workers) {
    return rows.filter(r -> owner.value()[r._1()] >= 0)
        .mapToPair(r -> new Tuple2<>(owner.value()[r._1()], r))
        .partitionBy(new HashPartitioner(workers))
        .mapPartitions(it -> {
          WorkerRows w = new WorkerRows();
          while (it.hasNext()) {
            Tuple2<Integer, ShardRow> r = it.next()._2();
            w.put(r._1(), r._2());
          }
          return Collections.singletonList(w).iterator();
        }, true)
        .persist(StorageLevel.MEMORY_AND_DISK());
  }

  /** Keys that do not change what is trained (where it goes, how often it reports) stay out of the config hash. */
  private static final List<String> UNHASHED = List.of("output", "log-every", "eval-every", "checkpoint-every", "keep-checkpoints",
      "init-adapter");   // hashed by content below, so a copy elsewhere is the same run

  /**
   * What a checkpoint must share with the run resuming it: config, data, and the contents (not paths or times) of the
   * base model, the merged and stacked adapters and the init adapter.
   */
  static Map<String, String> runHashes(NomoatConfig config, TrainInputs in, Configuration hadoop, String modelUri,
                                       BaseAdapters baseAdapters, int workers) {
    Map<String, Object> train = new java.util.TreeMap<>(config.effective("train"));
    UNHASHED.forEach(train::remove);
    train.put("workers", workers);
    Map<String, Object> cfg = new java.util.TreeMap<>();
    cfg.put("lora", new java.util.TreeMap<>(config.effective("lora")));
    cfg.put("train", train);
    Map<String, String> h = new LinkedHashMap<>();
    h.put("config", Hashing.sha256Hex(cfg.toString()));
    h.put("manifest", in.manifestSha256());
    h.put("base model", ContentFingerprint.of(hadoop, modelUri));
    h.put("stacked adapters", Hashing.sha256Hex(baseAdapters.fingerprint(hadoop)));
    String init = config.train().initAdapter();
    h.put("init adapter", init == null ? "none" : ContentFingerprint.of(hadoop, init));
    return h;
  }

  /**
   * Off-heap bytes of the frozen weights as an executor holds them: 4 bytes per element in FP32, 2 when narrowed to
   * 16 bits, and when kept as stored, the model files' size (what a BF16 or quantised checkpoint takes), at most FP32's.
   */
  private static long weightBytes(Configuration hadoop, ModelHeader base, String modelUri, WeightStorage storage) {
    long fp32 = base.weightBytes();
    return switch (storage) {
      case FLOAT32 -> fp32;
      case BFLOAT16, FLOAT16 -> fp32 / 2;
      case STORED -> {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(modelUri);
        try {
          yield Math.min(fp32, nomoat.pipeline.io.Storage.fileSystem(hadoop, p).getContentSummary(p).getLength());
        } catch (java.io.IOException e) {
          yield fp32;
        }
      }
    };
  }

  private static Map<String, Object> runJson(NomoatConfig config, TrainInputs in, ModelHeader base, String modelUri, int workers,
                                             long totalSteps, String runId, JavaSparkContext jsc, StepRecord last,
                                             Map<String, String> hashes, String resumedFrom) {
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("run_id", runId);
    run.put("hashes", new java.util.TreeMap<>(hashes));
    if (resumedFrom != null) run.put("resumed_from", resumedFrom);
    run.put("finished", Instant.now().toString());
    run.put("steps", totalSteps);
    run.put("workers", workers);
    if (last != null) {
      run.put("final_loss", Double.isFinite(last.loss()) ? last.loss() : null);
      if (last.valLoss() != null) run.put("final_val_loss", last.valLoss());
    }
    Map<String, Object> inputs = new LinkedHashMap<>();
    inputs.put("data", in.describe());
    inputs.put("model", Map.of("uri", modelUri, "fingerprint_sha256", hashes.get("base model"),
        "tokenizer_sha256", Hashing.sha256Hex(base.tokenizerJson())));
    if (!config.model().adapters().isEmpty()) {
      List<Map<String, String>> adapters = new ArrayList<>();
      for (var ref : config.model().adapters())
        adapters.add(Map.of("path", ref.path(), "mode", ref.mode(), "fingerprint_sha256", ContentFingerprint.of(jsc.hadoopConfiguration(), ref.path())));
      inputs.put("adapters", adapters);
    }
    if (config.train().initAdapter() != null)
      inputs.put("init_adapter", Map.of("path", config.train().initAdapter(), "fingerprint_sha256", hashes.get("init adapter")));
    run.put("inputs", inputs);
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("model", config.effective("model"));
    cfg.put("lora", config.effective("lora"));
    cfg.put("train", config.effective("train"));
    run.put("config", cfg);
    run.put("versions", Map.of("nomoat", Main.version(), "spark", jsc.version(), "java", System.getProperty("java.version")));
    return run;
  }
}
