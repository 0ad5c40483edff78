package nomoat.pipeline.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training-step benchmark of the nomoat engine, comparable with the PyTorch peer (peer_bench.py): random FP32
 * LLaMA models A and B, LoRA on q,v or all 7 projections; one step = forward + backward + AdamW. Reports median
 * tokens/s, achieved GFLOP/s (peer's FLOP estimate), ND4J's SGEMM peak measured in the same run and peak RSS.
 * Every measurement runs in its own child JVM so VmHWM is per run. Exit code 0 on success, 2 on bad arguments,
 * 1 when a measurement fails. The child JVMs run this class with the caller's classpath and JVM options.
 */
public final class EngineBench {
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

  private EngineBench() {}

  public static void main(String[] argv) {
    int rc = run(argv);
    // Measured children always exit explicitly: ND4J's native threads must not keep them alive.
    if (rc != 0 || isChild(argv)) System.exit(rc);
  }

  /**
   * Runs the benchmark (or, with --child, one measurement) and returns the exit code: 0 success, 2 bad arguments,
   * 1 a measurement failed. For a CLI that embeds the benchmark (e.g. `nomoat bench engine`).
   */
  public static int run(String[] argv) {
    BenchArgs a;
    try {
      a = BenchArgs.parse(argv);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    try {
      if (a.child() == null) {
        drive(a);
        return 0;
      }
      Map<String, Object> res = switch (a.child()) {
        case "sgemm" -> sgemmChild();
        case "train" -> TrainStepBench.run(a, BenchModel.named(a.config()), a.targets().get(0));
        default -> throw new IllegalArgumentException("unknown child kind " + a.child());
      };
      res.put("openblas_coretype", System.getenv("OPENBLAS_CORETYPE"));
      System.out.println(new ObjectMapper().writeValueAsString(res));
      System.out.flush();
      return 0;
    } catch (Exception e) {
      System.err.println("engine bench failed: " + e.getMessage());
      e.printStackTrace();
      return 1;
    }
  }

  private static boolean isChild(String[] argv) { return java.util.Arrays.asList(argv).contains("--child"); }

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

  private static void drive(BenchArgs a) throws IOException, InterruptedException {
    Map<String, Object> results = new LinkedHashMap<>();
    Map<String, Object> host = new LinkedHashMap<>();
    host.put("nproc", Runtime.getRuntime().availableProcessors());
    host.put("java", System.getProperty("java.version"));
    host.put("openblas_coretype", System.getenv().getOrDefault("OPENBLAS_CORETYPE", "(OpenBLAS autodetect)"));
    host.put("loadavg_before", loadavg());
    results.put("host", host);

    Map<String, Object> sg = runChild(a, List.of("--child", "sgemm"));
    results.put("sgemm", sg);
    double peak = ((Number) sg.get("gflops_median")).doubleValue();
    System.out.printf("nomoat ND4J SGEMM 2048^3 (%d threads, OPENBLAS_CORETYPE=%s): median %.1f GFLOP/s (best %.1f)%n",
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
        System.out.printf("nomoat config %s LoRA %s (r=%d, %s trainable): %.0f tok/s (step median %.3f s, min %.3f, "
                + "max %.3f), %.1f GFLOP/s = %.0f%% of SGEMM peak, peak RSS %.0f MiB (after model build %.0f MiB), "
                + "loss %.3f->%.3f; other processes used %.0f%% of the CPUs meanwhile%n", cfg, tgt, a.r(), r.get("params_lora"), num(r, "tokens_per_s_median"),
            num(r, "step_s_median"), num(r, "step_s_min"), num(r, "step_s_max"), gflops, num(r, "pct_of_sgemm_peak"),
            num(r, "peak_rss_mib"), num(r, "rss_after_model_mib"), num(r, "loss_first"), num(r, "loss_last"),
            100 * num(r, "foreign_cpu_share_during_run"));
        System.out.printf("  warm-up: %d steps in %.1f s (%s; JIT compiled %.0f ms during them, %.0f ms during the measured steps); "
                + "first %d steps: %.0f tok/s%n", ((Number) r.get("warmup_steps_run")).intValue(), num(r, "warmup_s"),
            Boolean.TRUE.equals(r.get("jit_settled")) ? "JIT settled" : "JIT still compiling", num(r, "jit_compile_ms_in_warmup"),
            num(r, "jit_compile_ms_in_measured_steps"), ((Number) r.get("cold_steps")).intValue(), num(r, "cold_tokens_per_s"));
        if (r.get("profile") instanceof Map<?, ?> prof) printProfile(prof);
      }
    results.put("runs", runs);
    host.put("loadavg_after", loadavg());
    if (a.jsonOut() != null) JSON.writeValue(new File(a.jsonOut()), results);
  }

  private static void printProfile(Map<?, ?> prof) {
    System.out.printf("  where the measured steps' time goes (%s JFR samples of the training threads):%n", prof.get("samples"));
    for (String table : List.of("by_component", "by_line", "by_native_op")) {
      StringBuilder sb = new StringBuilder("  " + table.replace('_', ' ') + ":");
      ((Map<?, ?>) prof.get(table)).forEach((k, v) -> sb.append(' ').append(k).append(' ').append(v).append('%'));
      System.out.println(sb);
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
    cmd.addAll(List.of("--threads", Integer.toString(a.threads()), "--gemm", a.gemm().name().toLowerCase(java.util.Locale.ROOT)));
    cmd.addAll(childArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("OMP_NUM_THREADS", Integer.toString(a.threads()));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    String[] lines = out.strip().split("\n");
    if (rc != 0 || lines.length == 0 || !lines[lines.length - 1].startsWith("{"))
      throw new IOException("child " + childArgs + " failed with exit code " + rc);
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
