package nomoat.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import nomoat.jobs.Main;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.model.EngineOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Training-step benchmark of the nomoat engine, comparable with the PyTorch peer (peer_bench.py): random FP32
 * LLaMA models A and B, LoRA on q,v or all 7 projections; one step = forward + backward + AdamW. Reports median
 * tokens/s, achieved GFLOP/s (peer's FLOP estimate), ND4J's SGEMM peak measured in the same run and peak RSS.
 * Every measurement runs in its own child JVM so VmHWM is per run: the child runs this class's {@link #main} with
 * the caller's classpath and JVM options and the hidden {@code --child} option. {@code nomoat bench engine} and
 * {@code bin/bench-engine} run it; exit codes are the CLI's (2 bad arguments, 1 a measurement failed).
 */
@Command(name = "engine", mixinStandardHelpOptions = true, sortOptions = false, description = {
    "One optimiser step (forward + backward + AdamW) on random-weight models A and B, LoRA on q,v and all 7 "
        + "projections: tokens/s, GFLOP/s vs ND4J's SGEMM peak, peak RSS. Each (config, targets) pair and the SGEMM peak "
        + "run in their own JVM so peak RSS is per run.",
    "bin/bench-engine runs it beside the PyTorch peer and prints the ratios. Same flags and defaults as peer_bench.py "
        + "where they overlap."})
public final class EngineBench implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /**
   * Memory settings of the measured JVMs. ND4J's off-heap arrays are freed only when the small Java heap is
   * collected; javacpp's maxbytes makes it collect early (it cuts cfg B's peak RSS by more than half). The
   * engine keeps weights and activations off-heap, so the Java heap only holds small per-step arrays: 256 MB is
   * plenty, and a larger cap just lets G1's young generation touch more pages at the same step time (dated numbers:
   * README, "Benchmarks"). No hard physical-memory limit: the benchmark reports peak RSS rather than failing on it.
   * --child-jvm-opt options come later and win.
   */
  static final List<String> CHILD_MEMORY_OPTS = List.of("-Xmx256m", "-Dorg.bytedeco.javacpp.maxbytes=1g",
      "-Dorg.bytedeco.javacpp.maxphysicalbytes=0");

  /** The engine's matrix products (lower case on the command line, as peer_bench.py's flags). */
  enum Gemm { openblas, nd4j }

  @Option(names = "--configs", paramLabel = "LIST", split = ",", defaultValue = "A,B", description = "Model presets, as peer_bench.py's: A, B (default ${DEFAULT-VALUE}).")
  List<String> configs;
  @Option(names = "--targets", paramLabel = "LIST", split = ",", defaultValue = "qv,all7",
      description = "LoRA target sets: qv (q_proj, v_proj), all7 (every projection) (default ${DEFAULT-VALUE}).")
  List<String> targets;
  @Option(names = "--steps", paramLabel = "N", description = "Measured steps per run (default: A 16, B 6).")
  Integer steps;
  @Option(names = "--warmup", paramLabel = "N", defaultValue = "2", description = "Warm-up steps before measuring (default ${DEFAULT-VALUE}).")
  int warmup;
  @Option(names = "--jit-settle", paramLabel = "N", defaultValue = "150", description = {
      "After --warmup, keep warming up, at most N more steps, until the JIT compiler has been idle for 3 steps "
          + "(steady state); 0 = exactly --warmup steps (default ${DEFAULT-VALUE})."})
  int jitSettle;
  @Option(names = "--r", paramLabel = "R", defaultValue = "8", description = "LoRA rank (default ${DEFAULT-VALUE}).")
  int r;
  @Option(names = "--alpha", paramLabel = "ALPHA", defaultValue = "16", description = "LoRA alpha (default ${DEFAULT-VALUE}).")
  double alpha;
  @Option(names = "--threads", paramLabel = "N", defaultValue = "2", description = "Engine threads and OMP_NUM_THREADS of each measured JVM (default ${DEFAULT-VALUE}).")
  int threads;
  @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "Seed of the random weights, adapter and tokens (default ${DEFAULT-VALUE}).")
  long seed;
  @Option(names = "--gemm", paramLabel = "GEMM", defaultValue = "openblas",
      description = "The engine's matrix products: ${COMPLETION-CANDIDATES} (straight through cblas, or ND4J's gemm; default ${DEFAULT-VALUE}).")
  Gemm gemm;
  @Option(names = "--weights-dtype", paramLabel = "DTYPE", defaultValue = "float32", description = {
      "Storage of the frozen weights: float32, bfloat16, float16 (the random FP32 model converted as "
          + "model.weights-dtype would; products widen tiles to FP32) (default ${DEFAULT-VALUE})."})
  String weightsDtype;
  @Option(names = "--json-out", paramLabel = "FILE", description = "Also write every result as JSON to FILE.")
  String jsonOut;
  @Option(names = "--child-jvm-opt", paramLabel = "OPT", description = "Extra JVM option for each measured child (repeatable; wins over the defaults).")
  List<String> childJvmOpts = new ArrayList<>();
  @Option(names = "--profile", description = "Also sample the measured steps with JFR and print where the time goes.")
  boolean profile;
  @Option(names = "--retries", paramLabel = "N", defaultValue = "0", description = {
      "As peer_bench.py: rerun a measurement up to N more times while other processes used more than --max-foreign "
          + "of the CPUs; keep the least disturbed attempt (default ${DEFAULT-VALUE})."})
  int retries;
  @Option(names = "--max-foreign", paramLabel = "SHARE", defaultValue = "0.05", description = "Share of the CPUs others may use during a measurement (default ${DEFAULT-VALUE}).")
  double maxForeign;
  @Option(names = "--child", hidden = true, description = "Internal: run one measurement (sgemm or train) and print it as JSON.")
  String child;
  @Option(names = "--config", hidden = true, description = "Internal: the preset of a --child train measurement.")
  String config;
  @Spec CommandSpec spec;

  /** A measured child JVM (and a driver run by hand): the CLI's error handling and exit codes. */
  public static void main(String[] argv) {
    int rc = Main.run(new EngineBench(), argv, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    // Measured children always exit explicitly: ND4J's native threads must not keep them alive.
    if (rc != 0 || java.util.Arrays.asList(argv).contains("--child")) System.exit(rc);
  }

  @Override
  public Integer call() throws Exception {
    BenchArgs a = settings();
    PrintWriter out = spec.commandLine().getOut();
    if (a.child() == null) {
      drive(a, out);
      return 0;
    }
    Map<String, Object> res = switch (a.child()) {
      case "sgemm" -> sgemmChild();
      case "train" -> TrainStepBench.run(a, BenchModel.named(a.config()), a.targets().get(0));
      default -> throw usage("unknown child kind " + a.child());
    };
    res.put("openblas_coretype", System.getenv("OPENBLAS_CORETYPE"));
    out.println(new ObjectMapper().writeValueAsString(res));
    out.flush();
    return 0;
  }

  /** The options checked and resolved (exit 2 with one line naming the option when one is wrong). */
  BenchArgs settings() {
    for (String c : configs) {
      try {
        BenchModel.named(c);
      } catch (IllegalArgumentException e) {
        throw usage("--configs: " + e.getMessage());
      }
    }
    for (String t : targets) {
      try {
        BenchModel.targets(t);
      } catch (IllegalArgumentException e) {
        throw usage("--targets: " + e.getMessage());
      }
    }
    StorageMode storage;
    try {
      storage = StorageMode.named(weightsDtype);
    } catch (IllegalArgumentException e) {
      throw usage("--weights-dtype: " + e.getMessage());
    }
    for (Object[] o : new Object[][] {{"--steps", steps == null ? 1 : steps}, {"--r", r}, {"--threads", threads}})
      if ((int) o[1] < 1) throw usage(o[0] + " must be at least 1, got " + o[1]);
    for (Object[] o : new Object[][] {{"--warmup", warmup}, {"--retries", retries}, {"--jit-settle", jitSettle}})
      if ((int) o[1] < 0) throw usage(o[0] + " must be at least 0, got " + o[1]);
    return new BenchArgs(List.copyOf(configs), List.copyOf(targets), steps, warmup, r, alpha, threads, seed, jsonOut, child,
        config, List.copyOf(childJvmOpts), profile, retries, maxForeign, jitSettle,
        gemm == Gemm.nd4j ? EngineOptions.GemmPath.ND4J : EngineOptions.GemmPath.OPENBLAS, storage);
  }

  private static NomoatException usage(String message) {
    return new NomoatException(NomoatException.ExitCode.USAGE, "bench engine: " + message);
  }

  private static Map<String, Object> sgemmChild() {
    SgemmPeak.Result r = SgemmPeak.measure(2048, 2, 10);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("kind", "sgemm");
    out.put("n", r.n());
    out.put("median_s", r.medianSeconds());
    out.put("gflops_median", r.gflopsMedian());
    out.put("gflops_best", r.gflopsBest());
    out.put("peak_rss_mib", ProcessMemory.now().peakRssMib());
    return out;
  }

  private static void drive(BenchArgs a, PrintWriter out) throws IOException, InterruptedException {
    Map<String, Object> results = new LinkedHashMap<>();
    Map<String, Object> host = new LinkedHashMap<>();
    host.put("nproc", Runtime.getRuntime().availableProcessors());
    host.put("java", System.getProperty("java.version"));
    host.put("openblas_coretype", System.getenv().getOrDefault("OPENBLAS_CORETYPE", "(OpenBLAS autodetect)"));
    host.put("weights_dtype", a.weightsDtype().cliName);
    host.put("loadavg_before", loadavg());
    results.put("host", host);

    Map<String, Object> sg = runChild(a, List.of("--child", "sgemm"));
    results.put("sgemm", sg);
    double peak = ((Number) sg.get("gflops_median")).doubleValue();
    out.printf("nomoat ND4J SGEMM 2048^3 (%d threads, OPENBLAS_CORETYPE=%s): median %.1f GFLOP/s (best %.1f)%n",
        a.threads(), sg.get("openblas_coretype"), peak, ((Number) sg.get("gflops_best")).doubleValue());

    List<Map<String, Object>> runs = new ArrayList<>();
    for (String cfg : a.configs())
      for (String tgt : a.targets()) {
        List<String> childArgs = new ArrayList<>(List.of("--child", "train", "--config", cfg, "--targets", tgt,
            "--steps", Integer.toString(a.stepsFor(cfg)), "--warmup", Integer.toString(a.warmup()),
            "--jit-settle", Integer.toString(a.jitSettle()),
            "--r", Integer.toString(a.r()), "--alpha", Double.toString(a.alpha()), "--seed", Long.toString(a.seed())));
        if (a.profile()) childArgs.add("--profile");
        Map<String, Object> r = leastDisturbed(a, childArgs);
        double gflops = ((Number) r.get("gflops_achieved")).doubleValue();
        r.put("pct_of_sgemm_peak", 100.0 * gflops / peak);
        r.put("loadavg_after", loadavg());
        runs.add(r);
        out.printf("nomoat config %s LoRA %s, %s weights (%.0f MiB): %.0f tok/s (step median %.3f s, min %.3f, "
                + "max %.3f), %.1f GFLOP/s = %.0f%% of SGEMM peak, peak RSS %.0f MiB (after model build %.0f MiB), "
                + "loss %.3f->%.3f; other processes used %.0f%% of the CPUs meanwhile%n", cfg, tgt, r.get("weights_dtype"),
            num(r, "weights_bytes") / (1 << 20), num(r, "tokens_per_s_median"),
            num(r, "step_s_median"), num(r, "step_s_min"), num(r, "step_s_max"), gflops, num(r, "pct_of_sgemm_peak"),
            num(r, "peak_rss_mib"), num(r, "rss_after_model_mib"), num(r, "loss_first"), num(r, "loss_last"),
            100 * num(r, "foreign_cpu_share_during_run"));
        out.printf("  warm-up: %d steps in %.1f s (%s; JIT compiled %.0f ms during them, %.0f ms during the measured steps); "
                + "first %d steps: %.0f tok/s%n", ((Number) r.get("warmup_steps_run")).intValue(), num(r, "warmup_s"),
            Boolean.TRUE.equals(r.get("jit_settled")) ? "JIT settled" : "JIT still compiling", num(r, "jit_compile_ms_in_warmup"),
            num(r, "jit_compile_ms_in_measured_steps"), ((Number) r.get("cold_steps")).intValue(), num(r, "cold_tokens_per_s"));
        if (r.get("profile") instanceof Map<?, ?> prof) printProfile(prof, out);
      }
    results.put("runs", runs);
    host.put("loadavg_after", loadavg());
    if (a.jsonOut() != null) JSON.writeValue(new File(a.jsonOut()), results);
  }

  private static void printProfile(Map<?, ?> prof, PrintWriter out) {
    out.printf("  where the measured steps' time goes (%s JFR samples of the training threads):%n", prof.get("samples"));
    for (String table : List.of("by_component", "by_line", "by_native_op")) {
      StringBuilder sb = new StringBuilder("  " + table.replace('_', ' ') + ":");
      ((Map<?, ?>) prof.get(table)).forEach((k, v) -> sb.append(' ').append(k).append(' ').append(v).append('%'));
      out.println(sb);
    }
  }

  private static double num(Map<String, Object> r, String key) { return ((Number) r.get(key)).doubleValue(); }

  /** Runs a train measurement up to 1 + retries times while others load the machine; keeps the quietest attempt. */
  private static Map<String, Object> leastDisturbed(BenchArgs a, List<String> childArgs) throws IOException, InterruptedException {
    Map<String, Object> best = null;
    List<Double> attempts = new ArrayList<>();
    for (int i = 0; i <= a.retries(); i++) {
      Map<String, Object> r = runChild(a, childArgs);
      double foreign = num(r, "foreign_cpu_share_during_run");
      attempts.add(Math.round(foreign * 1000) / 1000.0);
      if (best == null || foreign < num(best, "foreign_cpu_share_during_run")) best = r;
      if (foreign <= a.maxForeign()) break;
    }
    best.put("foreign_share_of_attempts", attempts);
    return best;
  }

  /** Runs this class in a fresh JVM (same classpath and JVM options) and parses the JSON on its last stdout line. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> runChild(BenchArgs a, List<String> childArgs) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String opt : ManagementFactory.getRuntimeMXBean().getInputArguments())
      if (!opt.startsWith("-agentlib") && !opt.startsWith("-javaagent")) cmd.add(opt);
    cmd.addAll(CHILD_MEMORY_OPTS);
    cmd.addAll(a.childJvmOpts());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(EngineBench.class.getName());
    cmd.addAll(List.of("--threads", Integer.toString(a.threads()), "--gemm", a.gemm().name().toLowerCase(java.util.Locale.ROOT),
        "--weights-dtype", a.weightsDtype().cliName));
    cmd.addAll(childArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("OMP_NUM_THREADS", Integer.toString(a.threads()));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    String[] lines = out.strip().split("\n");
    if (rc != 0 || lines.length == 0 || !lines[lines.length - 1].startsWith("{"))
      throw new NomoatException(NomoatException.ExitCode.FAILURE,
          "bench engine: the measured JVM " + childArgs + " failed with exit code " + rc + " (its error is above)");
    return new ObjectMapper().readValue(lines[lines.length - 1], LinkedHashMap.class);
  }

  private static List<String> loadavg() {
    try {
      return List.of(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")).subList(0, 3);
    } catch (IOException e) {
      return List.of();
    }
  }
}
