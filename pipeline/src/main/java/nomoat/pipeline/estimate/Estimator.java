package nomoat.pipeline.estimate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import nomoat.pipeline.cost.ComputeUsage;
import nomoat.pipeline.cost.Bill;
import nomoat.pipeline.cost.Prices;
import nomoat.pipeline.model.LlamaConfig;

/**
 * A train run's expected speed, time and cost from the engine's measured FLOP rate. Per executor (one training task
 * of {@code executorCores} cores): tokens/s = the probe's FLOP/s × executorCores / probe threads ÷ the model's FLOPs
 * per token (linear in cores, as the engine splits a micro-batch's rows over its threads). On N executors sharing a
 * step's rows: step time = (rows per step × mean row length / N) ÷ tokens/s + coordination(N); wall = steps × step
 * time (model loading and data scans are not included). Executor core-seconds are what train's accounting will report:
 * N × cores × the tasks' compute time.
 */
public final class Estimator {
  private Estimator() {}

  /** One row of the table: the run on {@code executors} executors. */
  public record Row(int executors, double tokensPerSecondPerExecutor, double computeSecondsPerStep, double coordinationSecondsPerStep,
                    double wallSeconds, double executorCoreHours, Double cost) {}

  /** The whole estimate: inputs, the probe, one row per executor count, and how it was made. */
  public record Estimate(String model, LlamaConfig shape, TrainingFlops flops, Workload workload, EngineProbe probe, int executorCores,
                         Coordination coordination, Prices prices, List<Row> rows, List<String> method) {

    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("model", model);
      m.put("layers", shape.numLayers());
      m.put("hidden", shape.hiddenSize());
      m.put("base_params", flops.baseParams());
      m.put("lora_params", flops.loraParams());
      m.put("flops_per_token", flops.perToken());
      m.put("train_rows", workload.trainRows());
      m.put("mean_row_tokens", workload.meanRowLength());
      m.put("steps", workload.steps());
      m.put("rows_per_step", workload.rowsPerStep());
      m.put("tokens_trained", workload.trainedTokens());
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("layers", probe.config().numLayers());
      p.put("threads", probe.threads());
      p.put("concurrent_engines", probe.concurrent());
      p.put("first_step_extra_s", probe.warmupExtraSeconds());
      p.put("seconds_per_step", probe.secondsPerStep());
      p.put("tokens_per_step", probe.tokensPerStep());
      p.put("gflops_per_s", probe.flopsPerSecond() / 1e9);
      m.put("probe", p);
      m.put("executor_cores", executorCores);
      m.put("coordination", Map.of("step_ms", coordination.stepMs(), "per_mb_ms", coordination.perMbMs(), "per_task_ms",
          coordination.perTaskMs(), "source", coordination.source()));
      List<Map<String, Object>> rs = new ArrayList<>();
      for (Row r : rows) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("executors", r.executors());
        x.put("tokens_per_s_per_executor", r.tokensPerSecondPerExecutor());
        x.put("compute_s_per_step", r.computeSecondsPerStep());
        x.put("coordination_s_per_step", r.coordinationSecondsPerStep());
        x.put("wall_s", r.wallSeconds());
        x.put("executor_core_h", r.executorCoreHours());
        x.put("cost", r.cost());
        rs.add(x);
      }
      m.put("estimates", rs);
      m.put("currency", prices.currency());
      m.put("method", method);
      return m;
    }

    /** The console form: how it was made, then one line per executor count. */
    public List<String> lines() {
      List<String> out = new ArrayList<>(method);
      out.add(String.format(Locale.ROOT, "%9s %14s %12s %12s %12s %12s%s", "executors", "tok/s/executor", "step s", "coord s", "wall",
          "core-h", prices.any() ? String.format(Locale.ROOT, " %14s", "cost " + prices.currency()) : ""));
      for (Row r : rows)
        out.add(String.format(Locale.ROOT, "%9d %14s %12.3f %12.3f %12s %12.4g%s", r.executors(), count(r.tokensPerSecondPerExecutor()),
            r.computeSecondsPerStep(), r.coordinationSecondsPerStep(), duration(r.wallSeconds()), r.executorCoreHours(),
            r.cost() == null ? "" : String.format(Locale.ROOT, " %14.4g", r.cost())));
      return out;
    }
  }

  /**
   * @param model         what the shape came from (a path)
   * @param shape         the model's shape
   * @param flops         its FLOPs per token at the run's mean row length and LoRA spec
   * @param executorCores cores a training task (an executor) holds
   * @param executors     the executor counts to predict for
   */
  public static Estimate estimate(String model, LlamaConfig shape, int loraR, TrainingFlops flops, Workload work, EngineProbe probe,
                                  int executorCores, Coordination coordination, Prices prices, List<Integer> executors) {
    double perExecutor = probe.flopsPerSecond() * executorCores / probe.threads() / flops.perToken();
    List<Row> rows = new ArrayList<>();
    for (int n : executors) {
      double compute = work.tokensPerStep() / n / perExecutor;
      double coord = coordination.secondsPerStep(flops.adapterMegabytes(), n);
      // the first step on each executor also pays the JVM's warm-up (measured by the probe's first step, not scaled)
      double wall = work.steps() * (compute + coord) + probe.warmupExtraSeconds();
      double coreSeconds = (double) n * executorCores * (compute * work.steps() + probe.warmupExtraSeconds());
      ComputeUsage usage = new ComputeUsage(coreSeconds, 0, coreSeconds / executorCores, (long) n * work.steps(), wall, 0, 0,
          0, (long) work.trainedTokens(), -1, -1, 1);
      Bill bill = prices.bill(usage);
      rows.add(new Row(n, perExecutor, compute, coord, wall, coreSeconds / 3600, bill == null ? null : bill.total()));
    }
    List<String> method = new ArrayList<>();
    method.add(String.format(Locale.ROOT, "model %s: %d layers, hidden %d, %,d base parameters; LoRA r=%d on %,d parameters (%.2f MB)",
        model, shape.numLayers(), shape.hiddenSize(), flops.baseParams(), loraR,
        flops.loraParams(), flops.adapterMegabytes()));
    method.add(String.format(Locale.ROOT, "data: %,d training rows, mean %.1f tokens; %,d steps of %,d rows (%,.0f tokens trained in all)",
        work.trainRows(), work.meanRowLength(), work.steps(), work.rowsPerStep(), work.trainedTokens()));
    boolean scaled = probe.config().numLayers() != shape.numLayers();
    method.add(String.format(Locale.ROOT, "probe: %d timed forward+backward steps (median %.3f s) of %d x %d tokens on %d thread%s%s at %s: "
            + "%.1f GFLOP/s%s", probe.steps(), probe.secondsPerStep(), probe.tokensPerStep() / Math.max(1, Math.round(work.meanRowLength())),
        Math.round(work.meanRowLength()), probe.threads(), probe.threads() == 1 ? "" : "s",
        probe.concurrent() > 1 ? String.format(Locale.ROOT, ", %d engines at once in one JVM (as the run's tasks on this master; the slowest counts)",
            probe.concurrent()) : "",
        scaled ? "a scaled-down shape (" + probe.config().numLayers() + " of " + shape.numLayers() + " layers, same matrices), scaled by FLOPs"
            : "the model's full shape", probe.flopsPerSecond() / 1e9, probe.concurrent() > 1 ? " per engine" : ""));
    method.add(String.format(Locale.ROOT, "speed: %.3g FLOPs per token -> %s tokens/s per executor of %d core%s (linear in cores from the probe's %d)",
        flops.perToken(), count(perExecutor), executorCores, executorCores == 1 ? "" : "s", probe.threads()));
    method.add(String.format(Locale.ROOT, "coordination per step: %.1f ms + %.2f ms/MB x %.2f MB + %.2f ms x executors (%s)",
        coordination.stepMs(), coordination.perMbMs(), flops.adapterMegabytes(), coordination.perTaskMs(), coordination.source()));
    method.add(String.format(Locale.ROOT, "warm-up: the probe's first step took %.2f s more than a warm one (HotSpot compiling the engine); "
        + "added once to the wall time and per executor to the core-hours", probe.warmupExtraSeconds()));
    method.add("not included: model loading, data scans, validation passes, checkpoints; core-hours are the tasks' compute x cores"
        + (prices.any() ? "; cost at " + describe(prices) : "; no prices set (cost.cpu-core-hour)"));
    return new Estimate(model, shape, flops, work, probe, executorCores, coordination, prices, rows, method);
  }

  private static String describe(Prices p) {
    List<String> s = new ArrayList<>();
    if (p.cpuCoreHour() != null) s.add(p.cpuCoreHour() + " " + p.currency() + " per core-hour");
    if (p.gpuHour() != null) s.add(p.gpuHour() + " " + p.currency() + " per GPU-hour");
    return String.join(", ", s);
  }

  /** 12,345 or 2.34: whole numbers once they are big enough to need no decimals. */
  static String count(double v) {
    return String.format(Locale.ROOT, v >= 100 ? "%,.0f" : "%.3g", v);
  }

  static String duration(double seconds) {
    long s = Math.round(Math.max(0, seconds));
    if (s >= 86400) return String.format(Locale.ROOT, "%dd%02dh", s / 86400, (s % 86400) / 3600);
    if (s >= 3600) return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    if (s >= 60) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    return s + "s";
  }
}
