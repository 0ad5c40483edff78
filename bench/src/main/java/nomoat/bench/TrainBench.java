package nomoat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import nomoat.pipeline.model.RandomWeights;
import nomoat.jobs.Main;
import nomoat.jobs.TrainJob;
import nomoat.pipeline.config.ConfigLoader;
import nomoat.pipeline.config.NomoatConfig;
import nomoat.pipeline.format.HfCheckpoint;
import nomoat.pipeline.format.Safetensors;
import nomoat.pipeline.format.TokenizerFiles;
import nomoat.pipeline.io.CommittedOutput;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.model.LoraInit;
import nomoat.pipeline.shard.DatasetStats;
import nomoat.pipeline.shard.Manifest;
import nomoat.pipeline.shard.PreparedLayout;
import nomoat.pipeline.shard.ShardReader;
import nomoat.pipeline.shard.ShardRow;
import nomoat.pipeline.shard.ShardWriter;
import nomoat.pipeline.tokenize.Hashing;
import nomoat.pipeline.train.AdapterBytes;
import nomoat.pipeline.train.AdapterOptimizer;
import nomoat.pipeline.train.AdapterParams;
import nomoat.pipeline.train.GradAccumulator;
import nomoat.pipeline.train.LocalTrainer;
import nomoat.pipeline.train.MicroBatches;
import nomoat.pipeline.train.ModelCache;
import nomoat.pipeline.train.OptimizerState;
import nomoat.pipeline.train.WorkerResult;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * {@code nomoat bench train}: what Spark costs the train stage.
 *
 * <ul>
 *   <li>Overhead: the real {@link TrainJob} on the session's master against the engine's single-JVM {@link LocalTrainer}
 *       on the same random model (an HF checkpoint written by {@link HfCheckpoint}), the same rows (a prepare output of
 *       random token rows written by {@link ShardWriter} and {@link Manifest}) and the same global batch, alternating
 *       in one JVM; medians of per-step tokens/s (the job's from its own metrics.jsonl).</li>
 *   <li>Coordination: one step of {@link TrainJob#exchange} (the job's broadcast + aggregation, not a copy) with an
 *       adapter-sized synthetic gradient per task, plus the driver's AdamW update: exactly what the job's
 *       {@code coordination_s} holds, for cfg A's adapter and for LLaMA-7B q,v at r=8 (16.8 MB); after each step an
 *       empty job over the same partitions, Spark's own floor for one job per step on that master.</li>
 *   <li>Memory: an executor JVM's peak RSS (VmHWM from /proc) in a training run on a standalone cluster against a
 *       {@link LocalTrainer} run in a child JVM with the same Java heap and off-heap settings.</li>
 * </ul>
 */
public final class TrainBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** LoRA of the overhead and memory runs: the engine bench's q,v at r=8, alpha 16, no dropout. */
  static final List<String> LORA = List.of("lora.r=8", "lora.alpha=16", "lora.dropout=0.0", "lora.targets=[q_proj, v_proj]");
  /** Java heap and off-heap settings shared by executors and the LocalTrainer child (EngineBench's, with Spark's minimum heap). */
  static final List<String> MEMORY_OPTS = List.of("-Dorg.bytedeco.javacpp.maxbytes=1g", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0");
  static final String HEAP = "512m";

  private TrainBench() {}

  // ---------------------------------------------------------------------------------------------------------------
  // Inputs

  /** A random cfg-B-shaped LLaMA as an HF checkpoint with a real 32000-token tokenizer (Llama-2's, from the fixtures). */
  static String writeModel(Configuration conf, Path dir, BenchModel m, Path tokenizerDir, long seed) {
    LlamaConfig c = m.toLlamaConfig();
    Map<String, byte[]> extra = new LinkedHashMap<>(TokenizerFiles.all(conf, tokenizerDir.toUri().toString()));
    HfCheckpoint.write(conf, dir.toUri().toString(), RandomWeights.llama(c, seed), Safetensors.Dtype.F32, 2L << 30, extra);
    return dir.toUri().toString();
  }

  /**
   * A committed prepare output of {@code rows} random token rows of {@code seqLen} tokens, every position trained, in
   * {@code shards} train shards: written through the one shard writer and manifest writer, tokenizer hash of the model's.
   */
  static String writePrepared(Configuration conf, Path dir, Path tokenizerDir, int vocab, int rows, int seqLen, int shards, long seed) {
    byte[] tokJson = Storage.readAllBytes(conf, tokenizerDir.resolve(TokenizerFiles.TOKENIZER_JSON).toUri().toString(), 64L << 20);
    CommittedOutput out = CommittedOutput.begin(conf, dir.toUri().toString(), true);
    try {
      SplittableRandom rnd = new SplittableRandom(seed);
      DatasetStats stats = new DatasetStats();
      List<Manifest.ShardFile> files = new ArrayList<>();
      for (int s = 0; s < shards; s++) {
        String rel = PreparedLayout.shardFile(DatasetStats.TRAIN, s);
        try (ShardWriter w = ShardWriter.open(conf, PreparedLayout.resolve(out.stagingDir(), rel), ShardWriter.Options.defaults())) {
          for (int i = s; i < rows; i += shards) {
            int[] ids = new int[seqLen];
            for (int j = 0; j < seqLen; j++) ids[j] = rnd.nextInt(vocab);
            ShardRow row = new ShardRow("random-" + i, "random", ids, ids.clone(), null, null);
            w.write(row);
            stats.recordShardRow(row, DatasetStats.TRAIN);
          }
          w.close();
          files.add(new Manifest.ShardFile(rel, w.rows(), w.tokens(), w.trainedTokens()));
        }
      }
      Map<String, Object> config = new LinkedHashMap<>();
      config.put("tokenizer", tokenizerDir.toUri().toString());
      config.put("generated-by", "nomoat bench train");
      new Manifest(Manifest.SCHEMA_VERSION, Main.version(), Instant.now(), new Manifest.Tokenizer(TokenizerFiles.TOKENIZER_JSON,
          Hashing.sha256Hex(tokJson)), "raw", seqLen, false, new Manifest.Split(seed, null, 0L), Map.of(DatasetStats.TRAIN, files),
          stats, config).write(conf, PreparedLayout.resolve(out.stagingDir(), PreparedLayout.MANIFEST));
      out.commit();
      return out.outputUri();
    } catch (RuntimeException e) {
      out.abort();
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Overhead: TrainJob vs LocalTrainer, alternating

  record OverheadRound(int round, double localTokensPerS, double sparkTokensPerS, double sparkComputeS, double sparkCoordinationS,
                       double sparkJobWallS, List<Double> localStepS, List<Double> sparkStepS) {}

  record Overhead(String master, String model, int globalBatch, int workers, int microBatch, int localThreads, int executorEngineThreads,
                  int steps, List<OverheadRound> rounds, double localTokensPerS, double sparkTokensPerS, double ratio,
                  List<Double> ratioPerRound, double ratioMedianOfRounds,
                  // named explicitly: snake-casing "SMedian" gives "smedian", and nomoat estimate reads these names
                  @JsonProperty("spark_compute_s_median") double sparkComputeSMedian,
                  @JsonProperty("spark_coordination_s_median") double sparkCoordinationSMedian,
                  @JsonProperty("local_step_s_median") double localStepSMedian,
                  @JsonProperty("spark_step_s_median") double sparkStepSMedian) {}

  static List<String> trainOverrides(String model, String data, String output, int workers, int microBatch, int steps, int engineThreads) {
    List<String> o = new ArrayList<>(List.of("model.path=" + model, "train.data=" + data, "train.output=" + output,
        "train.workers=" + workers, "train.micro-batch=" + microBatch, "train.grad-accum=1", "train.max-steps=" + steps,
        "train.eval-every=0", "train.checkpoint-every=0", "train.log-every=1000000", "train.length-window=1",
        "train.lr=1e-4", "train.schedule=constant", "engine.threads=" + engineThreads));
    o.addAll(LORA);
    return o;
  }

  /** One TrainJob run; returns its metrics.jsonl lines and wall time. */
  static JobRun trainJob(SparkSession spark, List<String> overrides, String output) {
    NomoatConfig c = ConfigLoader.load((Path) null, overrides);
    long t0 = System.nanoTime();
    TrainJob.run(spark, c, true, new PrintWriter(new StringWriter()));
    double wall = (System.nanoTime() - t0) / 1e9;
    List<JsonNode> metrics = new ArrayList<>();
    String text = new String(Storage.readAllBytes(spark.sparkContext().hadoopConfiguration(), output + "/metrics.jsonl", 64L << 20),
        StandardCharsets.UTF_8);
    for (String line : text.split("\n")) {
      if (line.isBlank()) continue;
      try {
        metrics.add(JSON.readTree(line));
      } catch (IOException e) {
        throw new IllegalStateException("bad metrics line " + line, e);
      }
    }
    return new JobRun(metrics, wall);
  }

  record JobRun(List<JsonNode> metrics, double wallSeconds) {
    /** A metric of every step but the first (the first step of a JVM or an epoch also warms caches). */
    double[] steady(String key) {
      return metrics.stream().skip(metrics.size() > 1 ? 1 : 0).mapToDouble(n -> n.get(key).asDouble()).toArray();
    }
  }

  /** LocalTrainer over the same rows and global batch, the model from the same per-JVM cache the job uses. */
  static final class LocalRun {
    final LocalTrainer trainer;
    final List<List<ShardRow>> steps = new ArrayList<>();
    int next;

    LocalRun(Configuration conf, NomoatConfig c, String model, String data, int globalBatch, int threads) {
      LlamaModel base = ModelCache.get(conf, model, c.engine().options().withThreads(threads));
      LoraSpec spec = nomoat.pipeline.train.TrainInputs.checkLora(c.lora(), base.config());   // as TrainJob builds it
      LoraAdapter adapter = LoraInit.create(spec, base.config(), c.lora().initSeed());
      trainer = new LocalTrainer(base, List.of(), adapter, OptimizerState.zerosLike(AdapterParams.of(adapter)),
          TrainJob.settings(c.train(), 1_000_000));
      List<ShardRow> rows = new ArrayList<>();
      nomoat.pipeline.train.TrainInputs in = nomoat.pipeline.train.TrainInputs.openData(conf, data);
      for (String shard : in.trainShards()) rows.addAll(ShardReader.readAll(conf, shard));
      for (int i = 0; i + globalBatch <= rows.size(); i += globalBatch) steps.add(rows.subList(i, i + globalBatch));
    }

    /** Seconds and trained tokens of one optimiser step. */
    double[] step() {
      MicroBatches.Padded p = MicroBatches.build(steps.get(next++ % steps.size()));
      long t0 = System.nanoTime();
      LocalTrainer.StepMetrics m = trainer.step(List.of(p.batch()));
      return new double[] {(System.nanoTime() - t0) / 1e9, p.realTokens(), m.loss()};
    }
  }

  static Overhead overhead(SparkSession spark, Path work, String model, String data, BenchModel m, int steps, int rounds, int warmupSteps,
                           int workers, int localThreads, int executorThreads, PrintWriter out) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    int microBatch = m.batch() / workers;
    if (microBatch * workers != m.batch()) throw new IllegalArgumentException("global batch " + m.batch() + " is not a multiple of " + workers + " workers");
    String master = spark.sparkContext().master();
    NomoatConfig c0 = ConfigLoader.load((Path) null, trainOverrides(model, data, work.resolve("x").toUri().toString(), workers, microBatch, steps, executorThreads));
    LocalRun local = new LocalRun(conf, c0, model, data, m.batch(), localThreads);
    // warm-up: JIT and caches for both sides (one job run, some local steps); not measured
    for (int i = 0; i < warmupSteps; i++) local.step();
    String warmOut = work.resolve("runs/warmup").toUri().toString();
    JobRun warm = trainJob(spark, trainOverrides(model, data, warmOut, workers, microBatch, Math.max(2, warmupSteps / 2), executorThreads), warmOut);
    out.printf("  warm-up: %d LocalTrainer steps, one %d-step train run (%.1f s)%n", warmupSteps, warm.metrics().size(), warm.wallSeconds());
    out.flush();
    List<OverheadRound> rs = new ArrayList<>();
    List<Double> localAll = new ArrayList<>(), sparkAll = new ArrayList<>(), computeAll = new ArrayList<>(), coordAll = new ArrayList<>(),
        localStepAll = new ArrayList<>(), sparkStepAll = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      List<Double> lt = new ArrayList<>(), ls = new ArrayList<>();
      for (int i = 0; i < steps; i++) {
        double[] s = local.step();
        ls.add(s[0]);
        lt.add(s[1] / s[0]);
      }
      String o = work.resolve("runs/round-" + r).toUri().toString();
      JobRun job = trainJob(spark, trainOverrides(model, data, o, workers, microBatch, steps, executorThreads), o);
      double[] tps = job.steady("tokens_per_s"), st = job.steady("step_s"), comp = job.steady("compute_s"), coord = job.steady("coordination_s");
      OverheadRound round = new OverheadRound(r + 1, median(lt), Stats.median(tps), Stats.median(comp), Stats.median(coord), job.wallSeconds(),
          ls, boxed(st));
      rs.add(round);
      localAll.addAll(lt);
      sparkAll.addAll(boxed(tps));
      computeAll.addAll(boxed(comp));
      coordAll.addAll(boxed(coord));
      localStepAll.addAll(ls);
      sparkStepAll.addAll(boxed(st));
      out.printf("  round %d: LocalTrainer %,.0f tok/s, train on %s %,.0f tok/s (%.2fx; step %.3f s = slowest task %.3f s + coordination %.3f s; "
              + "job wall %.1f s for %d steps)%n", r + 1, round.localTokensPerS(), master, round.sparkTokensPerS(),
          round.sparkTokensPerS() / round.localTokensPerS(), Stats.median(st), round.sparkComputeS(), round.sparkCoordinationS(),
          job.wallSeconds(), job.metrics().size());
      out.flush();
    }
    double l = median(localAll), s = median(sparkAll);
    // each round's ratio compares neighbours in time: load from other processes that changes between rounds cancels
    List<Double> perRound = rs.stream().map(x -> x.sparkTokensPerS() / x.localTokensPerS()).toList();
    return new Overhead(master, m.name(), m.batch(), workers, microBatch, localThreads, executorThreads, steps, rs, l, s, s / l,
        perRound, median(perRound), median(computeAll), median(coordAll), median(localStepAll), median(sparkStepAll));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Coordination: TrainJob.exchange + AdamW with an adapter-sized synthetic gradient

  record Coordination(String master, String adapter, long floats, double megabytes, int partitions, int reps,
                      double stepMs, double computeMs, double coordinationMs, double exchangeMs, double updateMs,
                      double coordinationMinMs, double coordinationMaxMs, double emptyJobMs) {}

  /** cfg A's adapter as the aggregation bench has it (LoRA r=8 on all 7 projections of cfg A). */
  static LoraAdapter cfgAAdapter() {
    LoraSpec spec = new LoraSpec(8, 16, 0.0, BenchModel.targets("all7"), null, false);
    return LoraInit.create(spec, BenchModel.A.toLlamaConfig(), 42);
  }

  /** LLaMA-7B's q,v adapter at r=8: 32 layers x 2 x (4096x8 + 8x4096) floats = 16.8 MB; no model needed for its shape. */
  static LoraAdapter llama7bAdapter() {
    return qvAdapter(4096, 32);
  }

  static LoraAdapter qvAdapter(int hidden, int layers) {
    LlamaConfig c = new LlamaConfig(32000, hidden, hidden * 8 / 3, layers, hidden / 128, hidden / 128, 128, 1e-5, 10000.0, null,
        2048, false, false, 1, List.of(2), "float32");
    return LoraInit.create(new LoraSpec(8, 16, 0.0, Set.of("q_proj", "v_proj"), null, false), c, 42);
  }

  /** The adapter's parameter count (floats in its F32 wire form). */
  static long floats(LoraAdapter adapter) {
    return AdapterParams.of(adapter).values().stream().mapToLong(t -> t.length()).sum();
  }

  /** One cell of the coordination runs: an adapter, a task count, and the driver-side state of its steps. */
  private static final class Cell {
    final String name;
    final LoraAdapter adapter;
    final int partitions;
    final AdapterOptimizer optimizer;
    final JavaRDD<Integer> workers;
    final List<double[]> samples = new ArrayList<>();   // step, compute, exchange, update, empty job (ms)

    Cell(JavaSparkContext jsc, String name, LoraAdapter adapter, int partitions) {
      this.name = name;
      this.adapter = adapter;
      this.partitions = partitions;
      this.optimizer = new AdapterOptimizer(adapter, OptimizerState.zerosLike(AdapterParams.of(adapter)),
          new LocalTrainer.Settings(nomoat.pipeline.train.AdamW.withWeightDecay(0.0),
              new nomoat.pipeline.train.LrSchedule(nomoat.pipeline.train.LrSchedule.Kind.CONSTANT, 1e-6, 0, 0), 1.0, 42));
      this.workers = jsc.parallelize(IntStream.range(0, partitions).boxed().toList(), partitions).cache();
      workers.count();
    }

    /** One step as the job runs it: encode, {@link TrainJob#exchange}, AdamW; returns step, compute, exchange, update in ms. */
    double[] step(JavaSparkContext jsc) {
      LoraSpec spec = adapter.spec();
      jsc.setJobDescription("nomoat bench train: coordination " + name + " x " + partitions);
      long t0 = System.nanoTime();
      WorkerResult r = TrainJob.exchange(jsc, workers, partitions, AdapterBytes.encode(optimizer.adapter()), (w, x, bytes) -> {
        LoraAdapter a = AdapterBytes.decode(spec, bytes);
        long c0 = System.nanoTime();
        GradAccumulator acc = new GradAccumulator();          // the adapter's own values stand in for its gradient
        acc.add(AdapterParams.of(a), 1024, 1024 * 10.0);
        return new WorkerResult(acc, System.nanoTime() - c0, 1024, 1024, 1);
      });
      long t1 = System.nanoTime();
      optimizer.apply(r.sums());
      long t2 = System.nanoTime();
      if (r.tasks() != partitions || r.sums().tokens() != 1024L * partitions)
        throw new IllegalStateException("exchange combined " + r.tasks() + " task results, expected " + partitions);
      return new double[] {(t2 - t0) / 1e6, r.slowestComputeNanos() / 1e6, (t1 - t0) / 1e6, (t2 - t1) / 1e6, emptyJobMs(jsc)};
    }

    /** Spark's floor for a step: a job over the same cached partitions that does nothing (no broadcast, no result). */
    private double emptyJobMs(JavaSparkContext jsc) {
      jsc.setJobDescription("nomoat bench train: empty job x " + partitions);
      long t0 = System.nanoTime();
      workers.count();
      return (System.nanoTime() - t0) / 1e6;
    }

    Coordination result(String master) {
      double[] step = col(0), compute = col(1), exchange = col(2), update = col(3), empty = col(4), coord = new double[samples.size()];
      for (int i = 0; i < coord.length; i++) coord[i] = step[i] - compute[i];
      double[] sorted = coord.clone();
      java.util.Arrays.sort(sorted);
      long floats = floats(adapter);
      return new Coordination(master, name, floats, 4.0 * floats / 1e6, partitions, coord.length, Stats.median(step), Stats.median(compute),
          Stats.median(coord), Stats.median(exchange), Stats.median(update), sorted[0], sorted[sorted.length - 1], Stats.median(empty));
    }

    private double[] col(int k) { return samples.stream().mapToDouble(x -> x[k]).toArray(); }
  }

  /** Warm-up steps of every cell, after the smallest adapter's cells have warmed the JVMs. */
  static final int CELL_WARMUP = 3;

  /**
   * Coordination per step for every (adapter, task count) cell, medians per cell. Each cell's steps run back to back, as
   * a training run's do: interleaved, small cells paid for the GC and broadcast clean-up of the large ones. First
   * {@code jitWarmup} steps of the smallest adapter's cells: until the JIT has compiled Spark's scheduling,
   * block-transfer and result paths in every JVM (~25 steps), a step costs 2-3x a long run's, and that code is the same
   * for every adapter size (README, "Measuring warm JVMs").
   */
  static List<Coordination> coordination(SparkSession spark, Map<String, LoraAdapter> adapters, List<Integer> partitions, int jitWarmup,
                                         int reps, PrintWriter out) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Cell> cells = new ArrayList<>();
    for (int p : partitions) adapters.forEach((name, a) -> cells.add(new Cell(jsc, name, a, p)));
    long smallest = adapters.values().stream().mapToLong(TrainBench::floats).min().orElse(0);
    List<Cell> cheapest = cells.stream().filter(c -> floats(c.adapter) == smallest).toList();
    try {
      for (int i = 0; i < jitWarmup; i++)
        for (Cell c : cheapest) c.step(jsc);
      for (Cell c : cells)
        for (int i = -CELL_WARMUP; i < reps; i++) {
          double[] x = c.step(jsc);
          if (i >= 0) c.samples.add(x);
        }
    } finally {
      cells.forEach(c -> c.workers.unpersist(false));
    }
    List<Coordination> results = new ArrayList<>();
    for (Cell cell : cells) {
      Coordination c = cell.result(spark.sparkContext().master());
      results.add(c);
      out.printf("  %-20s %6.2f MB  P=%-3d coordination median %7.1f ms (min %.1f, max %.1f) = broadcast+tasks+aggregate %.1f ms + "
              + "AdamW on the driver %.1f ms; synthetic task compute %.1f ms; an empty Spark job on the same tasks %.1f ms%n", c.adapter(),
          c.megabytes(), c.partitions(), c.coordinationMs(), c.coordinationMinMs(), c.coordinationMaxMs(), c.exchangeMs(), c.updateMs(),
          c.computeMs(), c.emptyJobMs());
    }
    out.flush();
    return results;
  }

  /**
   * Coordination per step = fixed + per task x P + per MB x MB + per MB per task x MB x P, fitted by non-negative least
   * squares to the cells with at most {@code maxTasks} tasks (treeAggregate at depth 2 adds no level up to 5 partitions, so
   * these are flat aggregations: every task's result merged on the driver). What estimate needs to project other
   * adapter sizes and executor counts.
   */
  record CostModel(String master, double fixedMs, double perTaskMs, double perMbMs, double perMbPerTaskMs, String fittedFrom) {
    double predictMs(double mb, int tasks) { return fixedMs + perTaskMs * tasks + perMbMs * mb + perMbPerTaskMs * mb * tasks; }
  }

  static CostModel fit(List<Coordination> cs, int maxTasks) {
    List<Coordination> use = cs.stream().filter(c -> c.partitions() <= maxTasks).toList();
    if (use.size() < 2) return null;
    double[][] x = new double[use.size()][];
    double[] y = new double[use.size()];
    for (int i = 0; i < use.size(); i++) {
      Coordination c = use.get(i);
      x[i] = new double[] {1, c.partitions(), c.megabytes(), c.megabytes() * c.partitions()};
      y[i] = c.coordinationMs();
    }
    double[] b = Nnls.solve(x, y);
    String from = use.stream().map(c -> String.format("%.2f MB x %d", c.megabytes(), c.partitions())).distinct().toList().toString();
    return new CostModel(use.get(0).master(), b[0], b[1], b[2], b[3], from);
  }

  /** Non-negative least squares for a handful of unknowns: the best feasible fit over all subsets of free coefficients. */
  static final class Nnls {
    private Nnls() {}

    static double[] solve(double[][] x, double[] y) {
      int k = x[0].length;
      double[] best = new double[k];
      double bestErr = sse(x, y, best);
      for (int m = 1; m < 1 << k; m++) {
        final int mask = m;
        int[] idx = IntStream.range(0, k).filter(j -> (mask & 1 << j) != 0).toArray();
        if (idx.length > y.length) continue;
        double[] sub = leastSquares(x, y, idx);
        if (sub == null) continue;
        double[] full = new double[k];
        boolean ok = true;
        for (int j = 0; j < idx.length; j++) {
          if (sub[j] < 0) ok = false;
          full[idx[j]] = sub[j];
        }
        double err = sse(x, y, full);
        if (ok && err < bestErr - 1e-12) { bestErr = err; best = full; }
      }
      return best;
    }

    private static double sse(double[][] x, double[] y, double[] b) {
      double e = 0;
      for (int i = 0; i < y.length; i++) {
        double p = 0;
        for (int j = 0; j < b.length; j++) p += x[i][j] * b[j];
        e += (p - y[i]) * (p - y[i]);
      }
      return e;
    }

    /** Normal equations on the chosen columns, by Gaussian elimination; null when singular. */
    private static double[] leastSquares(double[][] x, double[] y, int[] cols) {
      int m = cols.length;
      double[][] a = new double[m][m + 1];
      for (int r = 0; r < m; r++) {
        for (int c = 0; c < m; c++) for (int i = 0; i < y.length; i++) a[r][c] += x[i][cols[r]] * x[i][cols[c]];
        for (int i = 0; i < y.length; i++) a[r][m] += x[i][cols[r]] * y[i];
      }
      for (int c = 0; c < m; c++) {
        int piv = c;
        for (int r = c + 1; r < m; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
        if (Math.abs(a[piv][c]) < 1e-9) return null;
        double[] t = a[c]; a[c] = a[piv]; a[piv] = t;
        for (int r = 0; r < m; r++) {
          if (r == c) continue;
          double f = a[r][c] / a[c][c];
          for (int k = c; k <= m; k++) a[r][k] -= f * a[c][k];
        }
      }
      double[] b = new double[m];
      for (int r = 0; r < m; r++) b[r] = a[r][m] / a[r][r];
      return b;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Memory: executor VmHWM on a standalone cluster vs LocalTrainer in a child JVM

  /**
   * @param localTrainerPeakRssMib LocalTrainer doing an executor's share (its micro-batch, its engine threads): like for like
   * @param localTrainerFullBatchPeakRssMib LocalTrainer on the whole global batch with 2 threads (the engine bench's cfg B run)
   */
  record Memory(String master, String model, double executorPeakRssMib, List<Double> executorPeaks, double localTrainerPeakRssMib,
                double ratio, double localTrainerFullBatchPeakRssMib, double ratioToFullBatch, int executorEngineThreads, int executorMicroBatch,
                int globalBatch, String heap, List<String> offHeapOpts, double clusterStepS, double clusterComputeS, double clusterCoordinationS) {}

  /** Peak RSS of this application's executor JVMs on this machine (found by app id in their command lines). */
  static List<Double> executorPeaks(String appId) {
    List<Double> peaks = new ArrayList<>();
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      all.forEach(p -> {
        String cmd = commandLine(p.pid());
        if (!cmd.contains("CoarseGrainedExecutorBackend") || !(cmd + " ").contains(" " + appId + " ")) return;
        try {
          peaks.add(ProcessMemory.of(p.pid()).peakRssMib());
        } catch (RuntimeException gone) {
          // exited meanwhile
        }
      });
    }
    return peaks;
  }

  private static String commandLine(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').trim();
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /** Runs {@link #localTrainerChild} in a fresh JVM with the executors' heap and off-heap settings; returns its JSON. */
  static JsonNode runLocalTrainerChild(String model, String data, int steps, int batch, int threads) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String opt : ManagementFactory.getRuntimeMXBean().getInputArguments())
      if (!opt.startsWith("-agentlib") && !opt.startsWith("-javaagent") && !opt.startsWith("-Xmx") && !opt.startsWith("-Xms")) cmd.add(opt);
    cmd.add("-Xmx" + HEAP);
    cmd.addAll(MEMORY_OPTS);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(TrainBench.class.getName());
    cmd.addAll(List.of(model, data, Integer.toString(steps), Integer.toString(batch), Integer.toString(threads)));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    String[] lines = out.strip().split("\n");
    if (rc != 0 || !lines[lines.length - 1].startsWith("{")) throw new IOException("LocalTrainer child JVM failed (exit " + rc + "): " + out);
    return JSON.readTree(lines[lines.length - 1]);
  }

  /** Child JVM: LocalTrainer on the model and data for some steps; prints step time median and peak RSS as JSON. */
  public static void main(String[] args) throws Exception {
    String model = args[0], data = args[1];
    int steps = Integer.parseInt(args[2]), batch = Integer.parseInt(args[3]), threads = Integer.parseInt(args[4]);
    Configuration conf = new Configuration();
    NomoatConfig c = ConfigLoader.load((Path) null, trainOverrides(model, data, "/tmp/unused", 1, batch, steps, threads));
    LocalRun run = new LocalRun(conf, c, model, data, batch, threads);
    double[] t = new double[steps];
    for (int i = 0; i < steps; i++) t[i] = run.step()[0];
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("steps", steps);
    r.put("batch", batch);
    r.put("threads", threads);
    r.put("step_s_median", Stats.median(t));
    r.put("peak_rss_mib", ProcessMemory.now().peakRssMib());
    System.out.println(JSON.writeValueAsString(r));
    System.out.flush();
    System.exit(0);           // ND4J's native threads must not keep the child alive
  }

  // ---------------------------------------------------------------------------------------------------------------

  static double median(List<Double> xs) { return Stats.median(xs.stream().mapToDouble(Double::doubleValue).toArray()); }

  static List<Double> boxed(double[] xs) { return java.util.Arrays.stream(xs).boxed().toList(); }
}
