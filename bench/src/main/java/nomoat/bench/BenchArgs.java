package nomoat.bench;

import java.util.List;
import nomoat.pipeline.model.EngineOptions;

/** The checked settings of one {@link EngineBench} run (its picocli options, resolved by {@link EngineBench#settings}). */
record BenchArgs(List<String> configs, List<String> targets, Integer steps, int warmup, int r, double alpha,
                 int threads, long seed, String jsonOut, String child, String config, List<String> childJvmOpts,
                 boolean profile, int retries, double maxForeign, int jitSettle, EngineOptions.GemmPath gemm,
                 StorageMode weightsDtype) {

  int stepsFor(String config) { return steps != null ? steps : config.equalsIgnoreCase("A") ? 16 : 6; }
}
