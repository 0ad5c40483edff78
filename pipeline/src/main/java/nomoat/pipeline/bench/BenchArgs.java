package nomoat.pipeline.bench;

import java.util.ArrayList;
import java.util.List;
import nomoat.pipeline.model.EngineOptions;

/** Command line of {@link EngineBench}; the same flags and defaults as peer_bench.py where they overlap. */
record BenchArgs(List<String> configs, List<String> targets, Integer steps, int warmup, int r, double alpha,
                 int threads, long seed, String jsonOut, String child, String config, List<String> childJvmOpts,
                 boolean profile, int retries, double maxForeign, int jitSettle, EngineOptions.GemmPath gemm) {

  static final String USAGE = """
      usage: EngineBench [--configs A,B] [--targets qv,all7] [--steps N (default A:16, B:6)] [--warmup 2]
                         [--r 8] [--alpha 16] [--threads 2] [--seed 0] [--json-out FILE]
                         [--child-jvm-opt OPT]...   (extra JVM option for each measured child; repeatable)
                         [--profile]   (also sample the measured steps with JFR and print where the time goes)
                         [--retries 0] [--max-foreign 0.05]   (as peer_bench.py: rerun a measurement while other
                         processes used more than that share of the CPUs; keep the least disturbed attempt)
                         [--jit-settle 150]   (after --warmup, keep warming up, at most this many more steps, until
                         the JIT compiler has been idle for 3 steps: steady state; 0 = exactly --warmup steps)
                         [--gemm openblas|nd4j]   (the engine's matrix products: straight through cblas, or ND4J's gemm)
      Each (config, targets) pair and the SGEMM peak run in their own JVM so peak RSS is per run.""";

  static BenchArgs parse(String[] argv) {
    List<String> configs = List.of("A", "B"), targets = List.of("qv", "all7");
    Integer steps = null;
    int warmup = 2, r = 8, threads = 2;
    double alpha = 16;
    long seed = 0;
    String jsonOut = null, child = null, config = null;
    List<String> jvmOpts = new ArrayList<>();
    boolean profile = false;
    int retries = 0;
    double maxForeign = 0.05;
    int jitSettle = 150;
    EngineOptions.GemmPath gemm = EngineOptions.GemmPath.OPENBLAS;
    for (int i = 0; i < argv.length; i++) {
      String flag = argv[i];
      if (flag.equals("-h") || flag.equals("--help")) throw new IllegalArgumentException(USAGE);
      if (flag.equals("--profile")) {
        profile = true;
        continue;
      }
      if (i + 1 >= argv.length) throw new IllegalArgumentException("missing value for " + flag + "\n" + USAGE);
      String v = argv[++i];
      switch (flag) {
        case "--configs" -> configs = List.of(v.split(","));
        case "--targets" -> targets = List.of(v.split(","));
        case "--steps" -> steps = positive(flag, Integer.parseInt(v));
        case "--warmup" -> warmup = Integer.parseInt(v);
        case "--r" -> r = positive(flag, Integer.parseInt(v));
        case "--alpha" -> alpha = Double.parseDouble(v);
        case "--threads" -> threads = positive(flag, Integer.parseInt(v));
        case "--seed" -> seed = Long.parseLong(v);
        case "--json-out" -> jsonOut = v;
        case "--child" -> child = v;
        case "--config" -> config = v;
        case "--child-jvm-opt" -> jvmOpts.add(v);
        case "--retries" -> retries = Integer.parseInt(v);
        case "--max-foreign" -> maxForeign = Double.parseDouble(v);
        case "--jit-settle" -> jitSettle = Integer.parseInt(v);
        case "--gemm" -> gemm = switch (v) {
          case "openblas" -> EngineOptions.GemmPath.OPENBLAS;
          case "nd4j" -> EngineOptions.GemmPath.ND4J;
          default -> throw new IllegalArgumentException("--gemm must be openblas or nd4j, got " + v);
        };
        default -> throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
      }
    }
    configs.forEach(BenchModel::named);
    targets.forEach(BenchModel::targets);
    if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0");
    if (retries < 0) throw new IllegalArgumentException("--retries must be >= 0");
    if (jitSettle < 0) throw new IllegalArgumentException("--jit-settle must be >= 0");
    return new BenchArgs(configs, targets, steps, warmup, r, alpha, threads, seed, jsonOut, child, config, jvmOpts, profile,
        retries, maxForeign, jitSettle, gemm);
  }

  int stepsFor(String config) { return steps != null ? steps : config.equalsIgnoreCase("A") ? 16 : 6; }

  private static int positive(String flag, int v) {
    if (v <= 0) throw new IllegalArgumentException(flag + " must be positive, got " + v);
    return v;
  }
}
