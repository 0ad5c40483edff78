package nomoat.pipeline.cost;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The compute a stage used, summed over its Spark tasks (and over resumed attempts, with {@link #plus}).
 *
 * @param executorCoreSeconds  sum over tasks of Spark's executor run time × the cores a task holds ({@code spark.task.cpus})
 * @param gpuSeconds           sum over tasks of executor run time × the GPUs a task holds ({@code spark.task.resource.gpu.amount}); 0 on CPU
 * @param taskSeconds          sum of the tasks' executor run time (Spark's {@code executorRunTime})
 * @param tasks                finished task attempts counted (failed and speculative attempts included: they used the cores)
 * @param wallSeconds          the stage's wall time on the driver, summed over attempts
 * @param driverSeconds        driver time outside Spark jobs (setup, the optimiser update, checkpoints): wall time minus job time
 * @param driverCoreSeconds    cores held by the driver × wall time (spark.driver.cores; 0 in local mode, where the driver is the executor)
 * @param tokensProcessed      real (non-padding) tokens run through the model, training and validation
 * @param tokensTrained        tokens that carried a training loss
 * @param peakExecutorHeapBytes peak JVM heap used on any executor (Spark's executor metric JVMHeapMemory); -1 when not sampled
 * @param peakExecutorRssBytes peak resident set of an executor's process tree (ProcessTreeJVMRSSMemory, needs
 *                             spark.executor.processTreeMetrics.enabled); includes ND4J's off-heap buffers; -1 when not sampled
 * @param attempts             driver attempts this sum covers (1 + resumes)
 */
public record ComputeUsage(double executorCoreSeconds, double gpuSeconds, double taskSeconds, long tasks, double wallSeconds,
                           double driverSeconds, double driverCoreSeconds, long tokensProcessed, long tokensTrained,
                           long peakExecutorHeapBytes, long peakExecutorRssBytes, int attempts) {

  public static final ComputeUsage NONE = new ComputeUsage(0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 0);

  /** This attempt's usage followed by another's: sums, and the larger peak. */
  public ComputeUsage plus(ComputeUsage o) {
    return new ComputeUsage(executorCoreSeconds + o.executorCoreSeconds, gpuSeconds + o.gpuSeconds, taskSeconds + o.taskSeconds,
        tasks + o.tasks, wallSeconds + o.wallSeconds, driverSeconds + o.driverSeconds, driverCoreSeconds + o.driverCoreSeconds,
        tokensProcessed + o.tokensProcessed, tokensTrained + o.tokensTrained, Math.max(peakExecutorHeapBytes, o.peakExecutorHeapBytes),
        Math.max(peakExecutorRssBytes, o.peakExecutorRssBytes), attempts + o.attempts);
  }

  public ComputeUsage withTokens(long processed, long trained) {
    return new ComputeUsage(executorCoreSeconds, gpuSeconds, taskSeconds, tasks, wallSeconds, driverSeconds, driverCoreSeconds,
        processed, trained, peakExecutorHeapBytes, peakExecutorRssBytes, attempts);
  }

  /** CPU core-seconds that are priced at the core-hour price: executors' plus the driver's. */
  public double pricedCoreSeconds() { return executorCoreSeconds + driverCoreSeconds; }

  /** The run.json / accounting-file form (snake_case keys; unknown peaks as null). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("executor_core_s", executorCoreSeconds);
    m.put("executor_core_h", executorCoreSeconds / 3600);
    m.put("gpu_s", gpuSeconds);
    m.put("task_s", taskSeconds);
    m.put("tasks", tasks);
    m.put("wall_s", wallSeconds);
    m.put("driver_s", driverSeconds);
    m.put("driver_core_s", driverCoreSeconds);
    m.put("tokens_processed", tokensProcessed);
    m.put("tokens_trained", tokensTrained);
    m.put("peak_executor_jvm_heap_bytes", peakExecutorHeapBytes < 0 ? null : peakExecutorHeapBytes);
    m.put("peak_executor_rss_bytes", peakExecutorRssBytes < 0 ? null : peakExecutorRssBytes);
    m.put("attempts", attempts);
    return m;
  }

  /** Reads {@link #toMap()}'s form back; missing keys read as zero / unknown. */
  public static ComputeUsage fromMap(Map<String, ?> m) {
    return new ComputeUsage(d(m, "executor_core_s"), d(m, "gpu_s"), d(m, "task_s"), l(m, "tasks", 0), d(m, "wall_s"), d(m, "driver_s"),
        d(m, "driver_core_s"), l(m, "tokens_processed", 0), l(m, "tokens_trained", 0), l(m, "peak_executor_jvm_heap_bytes", -1),
        l(m, "peak_executor_rss_bytes", -1), (int) l(m, "attempts", 1));
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The accounting file's bytes (a run's usage so far, kept beside its checkpoints for resumed attempts). */
  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(toMap());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads {@link #toJson()}'s bytes; null when they are not such a JSON object (e.g. cut short by a kill). */
  @SuppressWarnings("unchecked")
  public static ComputeUsage fromJson(byte[] bytes) {
    try {
      Object o = JSON.readValue(bytes, Object.class);
      return o instanceof Map<?, ?> m ? fromMap((Map<String, ?>) m) : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static double d(Map<String, ?> m, String k) {
    return m.get(k) instanceof Number n ? n.doubleValue() : 0;
  }

  private static long l(Map<String, ?> m, String k, long absent) {
    return m.get(k) instanceof Number n ? n.longValue() : absent;
  }
}
