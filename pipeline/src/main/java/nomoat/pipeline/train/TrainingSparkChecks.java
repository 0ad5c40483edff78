package nomoat.pipeline.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spark settings checked on the driver before training starts, over the effective Spark conf (key -> value, as
 * {@code SparkConf.getAll()} gives it). Each problem is one line naming the {@code spark.*} key: errors stop the
 * run, warnings are logged. Spark-free so plain unit tests reach every rule.
 */
public final class TrainingSparkChecks {
  private TrainingSparkChecks() {}

  /**
   * @param adapterBytes    the trained adapter as float32 (4 bytes per parameter)
   * @param modelOffHeapBytes what one executor holds off-heap for the frozen model and the engine's buffers
   * @param engineThreads   threads one training task's engine uses
   * @param workers         data-parallel workers (training tasks per step)
   */
  public record Inputs(long adapterBytes, long modelOffHeapBytes, int engineThreads, int workers) {}

  public record Result(List<String> errors, List<String> warnings) {
    public boolean ok() { return errors.isEmpty(); }
  }

  /** Spark's defaults for the keys checked here. */
  static final long DEFAULT_MAX_RESULT_SIZE = 1L << 30;   // spark.driver.maxResultSize = 1g
  static final long DEFAULT_RPC_MAX_MIB = 128;            // spark.rpc.message.maxSize = 128 (MiB)
  static final long DEFAULT_MAX_DIRECT_RESULT = 1L << 20; // spark.task.maxDirectResultSize = 1m
  /**
   * What nomoat's sessions set spark.task.maxDirectResultSize to (unless set): a task's gradient sums up to this size
   * then travel in its status update instead of through the block manager. Not higher: a direct result is copied once
   * more on the executor's heap, and 128m made 512 MB executors run out of heap on 67 MB merged results (tree level,
   * F64 sums of a 16.8 MB adapter).
   */
  public static final String MAX_DIRECT_RESULT = "32m";
  /**
   * What train's session sets spark.broadcast.compress to (unless set): the adapter it broadcasts each step is dense
   * floats, which LZ4 leaves at about their size; compressing 16.8 MB took ~5 ms of a local step here (README).
   */
  public static final String BROADCAST_COMPRESS = "false";
  static final long MIN_OVERHEAD = 384L << 20;            // executor memory overhead floor, 384 MiB
  static final double DEFAULT_OVERHEAD_FACTOR = 0.10;

  public static Result check(Map<String, String> conf, Inputs in) {
    List<String> errors = new ArrayList<>(), warnings = new ArrayList<>();
    try {
      checkInto(conf, in, errors, warnings);
    } catch (IllegalArgumentException malformed) {   // a value Spark itself would refuse: one line naming the key
      errors.add(malformed.getMessage());
    }
    return new Result(List.copyOf(errors), List.copyOf(warnings));
  }

  private static void checkInto(Map<String, String> conf, Inputs in, List<String> errors, List<String> warnings) {
    String master = conf.getOrDefault("spark.master", "");
    boolean local = master.startsWith("local");

    if (bool(conf, "spark.dynamicAllocation.enabled"))
      errors.add("spark.dynamicAllocation.enabled=true: training needs a fixed set of executors for the whole run; set it to false");
    if (bool(conf, "spark.speculation"))
      warnings.add("spark.speculation=true: safe (a training task is deterministic, a copy computes the same gradient) but it"
          + " runs duplicate forward/backward passes on busy executors; set it to false for training");

    // One training task per executor: the engine of one task owns the executor's cores.
    int taskCpus = positiveInt(conf, "spark.task.cpus", 1);
    if (!local) {
      String coresValue = conf.get("spark.executor.cores");
      if (coresValue == null) {
        warnings.add("spark.executor.cores is not set: an executor may take every core of its worker and run several training"
            + " tasks at once; set spark.executor.cores = spark.task.cpus (= " + taskCpus + ")");
      } else {
        int cores = positiveInt(conf, "spark.executor.cores", 1);
        if (cores / taskCpus != 1)
          errors.add("spark.executor.cores=" + cores + " with spark.task.cpus=" + taskCpus + " gives " + cores / taskCpus
              + " task slots per executor; training needs exactly one (set spark.task.cpus = spark.executor.cores)");
      }
    }
    // (local mode: every task shares the driver JVM's engine pool; there are no executors to size)
    if (!local && taskCpus < in.engineThreads())
      warnings.add("spark.task.cpus=" + taskCpus + " but the engine runs " + in.engineThreads() + " threads per task: cores are"
          + " oversubscribed; set spark.task.cpus (and spark.executor.cores) to " + in.engineThreads());
    else if (!local && taskCpus > in.engineThreads())
      warnings.add("spark.task.cpus=" + taskCpus + " but the engine runs only " + in.engineThreads() + " threads per task: "
          + (taskCpus - in.engineThreads()) + " reserved core(s) stay idle");
    if (conf.containsKey("spark.executor.instances") && !bool(conf, "spark.dynamicAllocation.enabled")) {
      int instances = positiveInt(conf, "spark.executor.instances", 1);
      if (instances < in.workers())
        warnings.add("spark.executor.instances=" + instances + " is below train.workers=" + in.workers()
            + ": each step runs its tasks in " + ceilDiv(in.workers(), instances) + " waves");
    }

    // Gradient sums travel as doubles: 8 bytes per parameter, one result per task.
    long resultBytes = 2 * in.adapterBytes();
    long maxResult = bytes(conf, "spark.driver.maxResultSize", DEFAULT_MAX_RESULT_SIZE, 1);
    long allResults = resultBytes * in.workers();
    if (maxResult > 0 && allResults > maxResult)
      errors.add("spark.driver.maxResultSize=" + conf.getOrDefault("spark.driver.maxResultSize", "1g") + " is below one step's gradient"
          + " results (" + in.workers() + " tasks x " + mib(resultBytes) + "); set it to at least " + sizeString(2 * allResults));
    long rpcMiB = positiveInt(conf, "spark.rpc.message.maxSize", (int) DEFAULT_RPC_MAX_MIB);
    if (resultBytes > (rpcMiB << 20))
      warnings.add("spark.rpc.message.maxSize=" + rpcMiB + " (MiB) is below one task's gradient result (" + mib(resultBytes)
          + "): results go through the block manager, one more fetch per task and step; set it to "
          + Math.min(2047, ceilDiv(resultBytes, 1L << 20) + 1) + " if that costs time");
    else if (in.adapterBytes() > bytes(conf, "spark.task.maxDirectResultSize", DEFAULT_MAX_DIRECT_RESULT, 1))
      warnings.add("spark.task.maxDirectResultSize=" + conf.getOrDefault("spark.task.maxDirectResultSize", "1m") + " is below one task's"
          + " gradient result (at least " + mib(in.adapterBytes()) + "): every result goes through the executor's block manager and"
          + " is fetched back, several round trips per task and step; set it (before the executors start) to " + MAX_DIRECT_RESULT
          + ", as nomoat's own sessions do");

    // ND4J keeps the model off the Java heap: YARN and Kubernetes kill an executor whose off-heap use exceeds its overhead.
    long executorMemory = bytes(conf, "spark.executor.memory", 1L << 30, 1L << 20);
    double factor = conf.containsKey("spark.executor.memoryOverheadFactor")
        ? number(conf, "spark.executor.memoryOverheadFactor") : DEFAULT_OVERHEAD_FACTOR;
    long overhead = conf.containsKey("spark.executor.memoryOverhead")
        ? bytes(conf, "spark.executor.memoryOverhead", 0, 1L << 20)
        : Math.max(MIN_OVERHEAD, (long) (factor * executorMemory));
    if (!local && overhead < in.modelOffHeapBytes()) {
      String line = "spark.executor.memoryOverhead=" + mib(overhead) + (conf.containsKey("spark.executor.memoryOverhead") ? "" : " (default)")
          + " is below the model's off-heap size (" + mib(in.modelOffHeapBytes()) + "); set it to at least "
          + sizeString(in.modelOffHeapBytes() + MIN_OVERHEAD);
      if (master.startsWith("yarn") || master.startsWith("k8s")) errors.add(line + " or the cluster manager kills the executors");
      else warnings.add(line);
    }
  }

  private static final Pattern SIZE = Pattern.compile("([0-9]+)([a-z]+)?");
  private static final Pattern FRACTION = Pattern.compile("([0-9]+\\.[0-9]+)([a-z]+)?");

  /**
   * A size string as Spark reads it ({@code JavaUtils.byteStringAs}): an integer with an optional suffix b, k/kb,
   * m/mb, g/gb, t/tb, p/pb (powers of 1024), else {@code defaultUnit} bytes per unit; fractions are refused.
   */
  public static long parseSize(String key, String value, long defaultUnit) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    Matcher m = SIZE.matcher(v);
    if (!m.matches()) {
      String why = FRACTION.matcher(v).matches() ? "fractional values are not supported" : "expected a size like 512m or 4g";
      throw new IllegalArgumentException(key + "=" + value + ": " + why);
    }
    long unit = m.group(2) == null ? defaultUnit : switch (m.group(2)) {
      case "b" -> 1L;
      case "k", "kb" -> 1L << 10;
      case "m", "mb" -> 1L << 20;
      case "g", "gb" -> 1L << 30;
      case "t", "tb" -> 1L << 40;
      case "p", "pb" -> 1L << 50;
      default -> throw new IllegalArgumentException(key + "=" + value + ": unknown size suffix '" + m.group(2) + "'");
    };
    try {
      return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException(key + "=" + value + ": too large");
    }
  }

  private static long bytes(Map<String, String> conf, String key, long fallback, long defaultUnit) {
    String v = conf.get(key);
    return v == null ? fallback : parseSize(key, v, defaultUnit);
  }

  private static boolean bool(Map<String, String> conf, String key) {
    String v = conf.get(key);
    if (v == null) return false;
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(key + "=" + v + ": expected true or false");
    };
  }

  private static int positiveInt(Map<String, String> conf, String key, int fallback) {
    String v = conf.get(key);
    if (v == null) return fallback;
    try {
      int n = Integer.parseInt(v.trim());
      if (n > 0) return n;
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException(key + "=" + v + ": expected a positive integer");
  }

  private static double number(Map<String, String> conf, String key) {
    String v = conf.get(key);
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "=" + v + ": expected a number");
    }
  }

  private static long ceilDiv(long a, long b) { return (a + b - 1) / b; }

  private static String mib(long bytes) { return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0); }

  /** Rounded up to whole MiB, in Spark's syntax. */
  private static String sizeString(long bytes) { return ceilDiv(bytes, 1L << 20) + "m"; }
}
