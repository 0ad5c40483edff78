package nomoat.pipeline.config;

import com.typesafe.config.Config;

/**
 * The {@code estimate} block: how {@code nomoat estimate} predicts a run before it starts.
 *
 * @param executors     data-parallel executors to predict for; 0 = train.workers, or 8 when that is 0 too
 * @param executorCores cores per executor; 0 = the cores of the machine that runs the estimate
 * @param probeSteps    measured forward+backward steps of the engine (after a warm-up of 3 s or 3 steps)
 * @param probeMaxParams largest model (base parameters) probed at its full shape; bigger ones are probed with fewer
 *                      layers (same matrix shapes) and scaled by FLOPs
 * @param stepMs        coordination per step that does not grow with the adapter or the executor count (ms)
 * @param perMbMs       coordination per MB of adapter per step (broadcast out + gradients back) (ms)
 * @param perTaskMs     coordination per task per step (scheduling, result fetch) (ms)
 * @param benchJson     a {@code nomoat bench train --json-out} file whose measured coordination costs replace the three above; null = none
 */
public record EstimateSettings(int executors, int executorCores, int probeSteps, long probeMaxParams, double stepMs, double perMbMs,
                               double perTaskMs, String benchJson) {

  static EstimateSettings from(Config root) {
    String p = "estimate.";
    int executors = Checks.integer(root, p + "executors");
    Checks.require(executors >= 0, root, p + "executors", "must be 0 (train.workers) or a number of executors");
    int cores = Checks.integer(root, p + "executor-cores");
    Checks.require(cores >= 0, root, p + "executor-cores", "must be 0 (this machine's cores) or a core count");
    int steps = Checks.integer(root, p + "probe-steps");
    Checks.require(steps >= 1 && steps <= 100, root, p + "probe-steps", "must be between 1 and 100");
    long maxParams = Checks.integral(root, p + "probe-max-params");
    Checks.require(maxParams >= 1, root, p + "probe-max-params", "must be a positive parameter count");
    String c = p + "coordination.";
    double stepMs = Checks.number(root, c + "step-ms"), perMb = Checks.number(root, c + "per-mb-ms"), perTask = Checks.number(root, c + "per-task-ms");
    Checks.require(stepMs >= 0, root, c + "step-ms", "must be >= 0");
    Checks.require(perMb >= 0, root, c + "per-mb-ms", "must be >= 0");
    Checks.require(perTask >= 0, root, c + "per-task-ms", "must be >= 0");
    String bench = Checks.nullableString(root, p + "bench-json");
    return new EstimateSettings(executors, cores, steps, maxParams, stepMs, perMb, perTask, bench == null || bench.isBlank() ? null : bench);
  }
}
