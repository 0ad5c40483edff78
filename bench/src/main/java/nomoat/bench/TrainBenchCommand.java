package nomoat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.lora.LoraAdapter;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code nomoat bench train}: Spark's overhead, per-step coordination cost and executor memory of the train stage (see TrainBench). */
@Command(name = "train", mixinStandardHelpOptions = true, description = {
    "What Spark costs training, in one run: (1) overhead: the train stage on --master against the engine's single-JVM",
    "LocalTrainer, same random cfg B model, rows and global batch, alternating; (2) coordination per step (broadcast,",
    "tasks, aggregation, AdamW) of the job's own exchange code with cfg A's and LLaMA-7B q,v r=8's (16.8 MB) adapter,",
    "on --master and on a 2-worker standalone cluster; (3) an executor's peak RSS on that cluster vs LocalTrainer's."})
final class TrainBenchCommand implements Callable<Integer> {
  /** Spark's Java 17 opens for executor JVMs (the driver has them from bin/nomoat). */
  static final String JAVA_OPENS = "-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED "
      + "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED "
      + "--add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED "
      + "--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED "
      + "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED "
      + "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED "
      + "--add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED "
      + "-Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true";

  @Option(names = "--master", defaultValue = "local[2]", description = "Master of the overhead and local coordination runs (default ${DEFAULT-VALUE}).")
  String master;
  @Option(names = "--cluster", defaultValue = "start", description = {"Standalone cluster for the cluster coordination and memory runs:",
      "start (2 workers x 1 core via --cluster-script, stopped afterwards), a spark:// URL of a running one on this machine, or none."})
  String cluster;
  @Option(names = "--cluster-script", defaultValue = "deploy/local-cluster.sh") Path clusterScript;
  @Option(names = "--parts", split = ",", defaultValue = "overhead,coordination,memory", description = {"Which parts to run (default ${DEFAULT-VALUE}); data: only write the cfg B model, rows",
      "and train-B.conf (the overhead run's settings, for nomoat estimate and train) into --work."})
  List<String> parts;
  @Option(names = "--steps", defaultValue = "8", description = "Optimiser steps per side per round (default ${DEFAULT-VALUE}).") int steps;
  @Option(names = "--rounds", defaultValue = "5", description = "Alternating rounds of the overhead comparison (default ${DEFAULT-VALUE}).") int rounds;
  @Option(names = "--warmup", defaultValue = "8", description = "LocalTrainer warm-up steps before the rounds (default ${DEFAULT-VALUE}).") int warmup;
  /** treeAggregate at depth 2 merges every task's result on the driver up to 5 partitions (a flat aggregation). */
  static final int FLAT_TASKS = 5;

  @Option(names = "--partitions", split = ",", defaultValue = "2,4,8", description = "Task counts of the coordination runs (default ${DEFAULT-VALUE}).")
  List<Integer> partitions;
  @Option(names = "--reps", defaultValue = "15", description = "Measured steps per coordination cell (default ${DEFAULT-VALUE}).") int reps;
  @Option(names = "--coordination-warmup", defaultValue = "40", description = {"Warm-up steps of the smallest adapter's cells before the",
      "coordination runs' " + TrainBench.CELL_WARMUP + " warm-up steps of every cell (default ${DEFAULT-VALUE}): the JIT compiles Spark's scheduling, block-transfer and",
      "result paths in every JVM over the first ~25 steps, which cost 2-3x a long run's steps."}) int coordinationWarmup;
  @Option(names = "--memory-steps", defaultValue = "4") int memorySteps;
  @Option(names = "--fixtures", defaultValue = "${env:NOMOAT_FIXTURES:-../shared/fixtures}",
      description = "The test fixtures, for the TinyLlama/Llama-2 tokenizer (32000 tokens) of the random model; default NOMOAT_FIXTURES, else ../shared/fixtures.")
  Path fixtures;
  @Option(names = "--work", description = "Scratch directory (default: a temp dir).") Path work;
  @Option(names = "--json-out", description = "Write every number as JSON (fields: README, Benchmarks, train).") Path jsonOut;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    for (var o : new Object[][] {{"--steps", steps}, {"--rounds", rounds}, {"--reps", reps}, {"--memory-steps", memorySteps}})
      if ((int) o[1] < 1) throw new NomoatException(NomoatException.ExitCode.USAGE, "bench train: " + o[0] + " must be at least 1, got " + o[1]);
    if (coordinationWarmup < 0)
      throw new NomoatException(NomoatException.ExitCode.USAGE, "bench train: --coordination-warmup must be at least 0, got " + coordinationWarmup);
    for (String p : parts)
      if (!List.of("overhead", "coordination", "memory", "data").contains(p.trim()))
        throw new NomoatException(NomoatException.ExitCode.USAGE, "bench train: unknown part '" + p + "'; known: overhead, coordination, memory, data");
    Path tokenizer = fixtures.resolve("tokenizers/tinyllama-1.1b-chat-v1.0").toAbsolutePath();
    if (!Files.exists(tokenizer.resolve("tokenizer.json")))
      throw new NomoatException(NomoatException.ExitCode.USAGE, "bench train: no tokenizer.json in " + tokenizer + " (set --fixtures)");
    PrintWriter out = spec.commandLine().getOut();
    Path dir = (work != null ? Files.createDirectories(work) : Files.createTempDirectory("nomoat-bench-train")).toAbsolutePath();
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("benchmark", "nomoat bench train");
    result.put("started", Instant.now().toString());
    Map<String, Object> host = new LinkedHashMap<>();
    host.put("nproc", Runtime.getRuntime().availableProcessors());
    host.put("java", System.getProperty("java.version"));
    host.put("openblas_coretype", System.getenv().getOrDefault("OPENBLAS_CORETYPE", "(OpenBLAS autodetect)"));
    host.put("loadavg_before", loadavg());
    result.put("host", host);
    boolean overhead = has("overhead"), coordination = has("coordination"), memory = has("memory") && !"none".equals(cluster);

    BenchModel m = BenchModel.B;
    Configuration hadoop = new Configuration();
    String model = null, data = null;
    if (overhead || memory || has("data")) {
      long t0 = System.nanoTime();
      model = TrainBench.writeModel(hadoop, dir.resolve("model-B"), m, tokenizer, 1);
      data = TrainBench.writePrepared(hadoop, dir.resolve("prepared-B"), tokenizer, m.vocab(), Math.max(64, m.batch() * (steps + 2)), m.seq(), 2, 7);
      out.printf("bench train: random cfg %s model (HF checkpoint) and %d random %d-token rows (prepare output) in %s (%.1f s)%n", m.name(),
          Math.max(64, m.batch() * (steps + 2)), m.seq(), dir, (System.nanoTime() - t0) / 1e9);
      if (has("data")) {       // the overhead run's train settings as a conf file: `nomoat estimate` / `nomoat train` rerun it
        List<String> conf = new ArrayList<>(List.of("# bench train's overhead run (cfg " + m.name() + "): 2 workers x micro-batch "
            + m.batch() / 2 + ", engine threads 1 per task", "spark.master = \"" + master + "\"", "estimate.executor-cores = 1"));
        for (String kv : TrainBench.trainOverrides(model, data, dir.resolve("runs/train-" + m.name()).toUri().toString(), 2, m.batch() / 2, steps, 1)) {
          int eq = kv.indexOf('=');
          String v = kv.substring(eq + 1);
          conf.add(kv.substring(0, eq) + " = " + (v.startsWith("[") || v.matches("[0-9.e+-]+") ? v : "\"" + v + "\""));
        }
        Files.write(dir.resolve("train-" + m.name() + ".conf"), conf);
        out.printf("bench train: its overhead run's settings -> %s%n", dir.resolve("train-" + m.name() + ".conf"));
      }
    }
    out.printf("bench train: load average before %s (2 cores; other processes share them)%n", host.get("loadavg_before"));
    out.flush();

    List<TrainBench.Coordination> local = new ArrayList<>(), onCluster = new ArrayList<>();
    Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
    adapters.put("cfg A (r=8, all 7)", TrainBench.cfgAAdapter());
    adapters.put("LLaMA-7B q,v r=8", TrainBench.llama7bAdapter());
    SparkSession spark = session(master, null);
    try {
      if (overhead) {
        out.printf("overhead: train on %s (2 workers x micro-batch 2, engine threads 1 per task) vs LocalTrainer (batch 4, 2 threads), cfg %s LoRA q,v r=8%n",
            master, m.name());
        TrainBench.Overhead o = TrainBench.overhead(spark, dir, model, data, m, steps, rounds, warmup, 2, 2, 1, out);
        result.put("overhead", o);
        out.printf("overhead: median tokens/s LocalTrainer %,.0f, train %,.0f -> ratio %.3f; median of the per-round ratios %s: %.3f (target >= 0.95); "
            + "train step %.3f s = slowest task %.3f s + coordination %.3f s%n", o.localTokensPerS(), o.sparkTokensPerS(), o.ratio(),
            o.ratioPerRound().stream().map(x -> String.format("%.2f", x)).toList(), o.ratioMedianOfRounds(), o.sparkStepSMedian(),
            o.sparkComputeSMedian(), o.sparkCoordinationSMedian());
        out.flush();
      }
      if (coordination) {
        out.printf("coordination on %s (TrainJob.exchange + AdamW, synthetic adapter-sized gradients, %d measured steps per cell):%n", master, reps);
        local.addAll(TrainBench.coordination(spark, adapters, partitions, coordinationWarmup, reps, out));
      }
    } finally {
      spark.stop();
      SparkSession.clearActiveSession();
      SparkSession.clearDefaultSession();
    }

    Map<String, Object> memoryResult = null;
    if ((coordination || memory) && !"none".equals(cluster)) {
      String url = cluster;
      boolean started = false;
      if ("start".equals(cluster)) {
        url = startCluster(dir.resolve("cluster"));
        started = true;
        out.println("cluster: started " + url + " (2 workers x 1 core, deploy/local-cluster.sh)");
      }
      try {
        SparkSession cs = session(url, 2);
        try {
          awaitExecutors(cs, 2, 120_000);
          if (memory) {
            String o = dir.resolve("runs/cluster-memory").toUri().toString();
            TrainBench.JobRun run = TrainBench.trainJob(cs, TrainBench.trainOverrides(model, data, o, 2, m.batch() / 2, memorySteps, 1), o);
            List<Double> peaks = TrainBench.executorPeaks(cs.sparkContext().applicationId());
            memoryResult = new LinkedHashMap<>();
            memoryResult.put("executor_peaks_mib", peaks);
            memoryResult.put("cluster_step_s", median(run.steady("step_s")));
            memoryResult.put("cluster_compute_s", median(run.steady("compute_s")));
            memoryResult.put("cluster_coordination_s", median(run.steady("coordination_s")));
            memoryResult.put("cluster_tokens_per_s", median(run.steady("tokens_per_s")));
            out.printf("cluster: cfg %s train, %d steps, 2 executors x 1 core x micro-batch 2: step %.3f s = slowest task %.3f s + coordination %.3f s; "
                    + "executor peak RSS %s MiB%n", m.name(), run.metrics().size(), memoryResult.get("cluster_step_s"), memoryResult.get("cluster_compute_s"),
                memoryResult.get("cluster_coordination_s"), peaks.stream().map(x -> String.format("%.0f", x)).toList());
            out.flush();
          }
          if (coordination) {
            out.printf("coordination on %s (2 executors x 1 core):%n", url);
            onCluster.addAll(TrainBench.coordination(cs, adapters, partitions, coordinationWarmup, reps, out));
          }
        } finally {
          cs.stop();
          SparkSession.clearActiveSession();
          SparkSession.clearDefaultSession();
        }
      } finally {
        if (started) stopCluster(dir.resolve("cluster"));
      }
    }
    if (memoryResult != null) {
      JsonNode share = TrainBench.runLocalTrainerChild(model, data, memorySteps, m.batch() / 2, 1);
      JsonNode full = TrainBench.runLocalTrainerChild(model, data, memorySteps, m.batch(), 2);
      @SuppressWarnings("unchecked") List<Double> peaks = (List<Double>) memoryResult.get("executor_peaks_mib");
      double exec = peaks.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
      double lt = share.get("peak_rss_mib").asDouble(), ltFull = full.get("peak_rss_mib").asDouble();
      TrainBench.Memory mem = new TrainBench.Memory(cluster, m.name(), exec, peaks, lt, exec / lt, ltFull, exec / ltFull, 1, m.batch() / 2, m.batch(),
          TrainBench.HEAP, TrainBench.MEMORY_OPTS, (double) memoryResult.get("cluster_step_s"), (double) memoryResult.get("cluster_compute_s"),
          (double) memoryResult.get("cluster_coordination_s"));
      result.put("memory", mem);
      out.printf("memory: executor peak RSS %.0f MiB (micro-batch %d, 1 engine thread) vs LocalTrainer in a child JVM with the same -Xmx%s and javacpp caps: "
          + "%.0f MiB on the same share (batch %d, 1 thread) -> ratio %.2f (target <= 1.10); %.0f MiB on the whole batch %d with 2 threads -> ratio %.2f%n",
          exec, m.batch() / 2, TrainBench.HEAP, lt, m.batch() / 2, exec / lt, ltFull, m.batch(), exec / ltFull);
    }

    Map<String, Object> coord = new LinkedHashMap<>();
    coord.put("local", local);
    coord.put("cluster", onCluster);
    result.put("coordination", coord);
    Map<String, Object> models = new LinkedHashMap<>();
    TrainBench.CostModel lm = TrainBench.fit(local, FLAT_TASKS), cm = TrainBench.fit(onCluster, FLAT_TASKS);
    if (lm != null) models.put("local", lm);
    if (cm != null) models.put("cluster", cm);
    result.put("cost_model", models);
    if (!models.isEmpty()) {
      out.printf("coordination cost per step = fixed + per task x P + per MB x MB + per MB per task x MB x P (adapter MB as float32; "
          + "non-negative least squares over the cells with P <= %d, where treeAggregate adds no level):%n", FLAT_TASKS);
      for (var e : models.entrySet()) {
        TrainBench.CostModel c = (TrainBench.CostModel) e.getValue();
        out.printf("  %-8s fixed %.1f ms, per task %.2f ms, per MB %.2f ms, per MB per task %.3f ms (from %s)%n", e.getKey(), c.fixedMs(),
            c.perTaskMs(), c.perMbMs(), c.perMbPerTaskMs(), c.fittedFrom());
      }
      TrainBench.CostModel use = cm != null ? cm : lm;
      List<Map<String, Object>> projections = new ArrayList<>();
      for (Object[] a : new Object[][] {{"LLaMA-7B q,v r=8", 4 * 4194304 / 1e6}, {"LLaMA-13B q,v r=8", 4 * 6553600 / 1e6}})
        for (int p : new int[] {8, 32, 64}) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("adapter", a[0]);
          row.put("megabytes", a[1]);
          row.put("executors", p);
          row.put("flat_aggregation_ms", use.predictMs((double) a[1], p));
          projections.add(row);
          out.printf("  projected (%s model, flat aggregation) %-18s %5.1f MB at %2d executors: %.0f ms per step%n", cm != null ? "cluster" : "local", a[0], (double) a[1], p,
              use.predictMs((double) a[1], p));
        }
      result.put("projections", projections);
    }
    host.put("loadavg_after", loadavg());
    result.put("finished", Instant.now().toString());
    out.printf("bench train: load average after %s%n", host.get("loadavg_after"));
    out.flush();
    if (jsonOut != null) jsonWriter().writeValue(jsonOut.toFile(), result);
    return 0;
  }

  /** How --json-out writes (snake_case keys): the format {@code nomoat estimate}'s {@code estimate.bench-json} reads. */
  static ObjectMapper jsonWriter() {
    return new ObjectMapper().setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
        .enable(SerializationFeature.INDENT_OUTPUT);
  }

  private boolean has(String part) { return parts.stream().anyMatch(p -> p.trim().equals(part)); }

  private static double median(double[] xs) { return Stats.median(xs); }

  /** A session on {@code url}; for a cluster ({@code executors} != null) one 1-core executor per worker with the executors' memory settings. */
  private static SparkSession session(String url, Integer executors) {
    SparkConf sc = new SparkConf().setMaster(url).setAppName("nomoat bench train")
        .set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false")
        .set("spark.task.maxDirectResultSize", nomoat.pipeline.train.TrainingSparkChecks.MAX_DIRECT_RESULT)    // as nomoat's sessions
        .set("spark.broadcast.compress", nomoat.pipeline.train.TrainingSparkChecks.BROADCAST_COMPRESS);          // as train's
    String coretype = System.getenv("OPENBLAS_CORETYPE");
    if (coretype != null) sc.set("spark.executorEnv.OPENBLAS_CORETYPE", coretype);
    if (executors != null) {
      sc.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
          .set("spark.executor.cores", "1").set("spark.executor.memory", TrainBench.HEAP).set("spark.cores.max", executors.toString())
          .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
          .set("spark.executor.extraJavaOptions", JAVA_OPENS + " " + String.join(" ", TrainBench.MEMORY_OPTS));
    }
    return SparkSession.builder().config(sc).getOrCreate();
  }

  private static void awaitExecutors(SparkSession spark, int n, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (spark.sparkContext().getExecutorMemoryStatus().size() - 1 < n) {
      if (System.currentTimeMillis() > deadline) throw new IllegalStateException("only " + (spark.sparkContext().getExecutorMemoryStatus().size() - 1)
          + " of " + n + " executors registered within " + timeoutMs / 1000 + " s");
      Thread.sleep(200);
    }
  }

  private String startCluster(Path dir) throws IOException, InterruptedException {
    String[] r = script("start", "--dir", dir.toString(), "--workers", "2", "--cores", "1", "--memory", "2g",
        "--classpath", System.getProperty("java.class.path"), "--watch-pid", Long.toString(ProcessHandle.current().pid()));
    if (!r[0].equals("0") || !r[1].strip().startsWith("spark://")) {
      script("stop", "--dir", dir.toString());
      throw new IllegalStateException(clusterScript + " start failed (exit " + r[0] + "): " + r[2]);
    }
    return r[1].strip();
  }

  private void stopCluster(Path dir) {
    try {
      script("stop", "--dir", dir.toString());
    } catch (Exception e) {
      System.err.println("bench train: " + clusterScript + " stop failed: " + e.getMessage());
    }
  }

  /** Runs the cluster script; returns exit code, stdout, stderr. */
  private String[] script(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("bash", clusterScript.toString()));
    cmd.addAll(List.of(args));
    Path err = Files.createTempFile("nomoat-cluster", ".err");
    try {
      Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
      String so = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int rc = p.waitFor();
      return new String[] {Integer.toString(rc), so, Files.readString(err)};
    } finally {
      Files.deleteIfExists(err);
    }
  }

  private static List<String> loadavg() {
    try {
      return List.of(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")).subList(0, 3);
    } catch (IOException e) {
      return List.of();
    }
  }
}
