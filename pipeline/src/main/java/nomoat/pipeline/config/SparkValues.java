package nomoat.pipeline.config;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The syntax of the Spark settings nomoat can check before Spark starts: the master URL and the common size, time,
 * boolean, integer and fraction properties, parsed the way Spark parses them (JavaUtils.byteStringAs/timeStringAs,
 * Scala's toBoolean/toInt). A value Spark would refuse only after starting (126 lines of stack traces) is one
 * config error naming the key instead. Properties nomoat does not know pass through unchanged.
 */
final class SparkValues {
  private SparkValues() {}

  private static final Pattern LOCAL_N = Pattern.compile("local\\[\\s*([0-9]+|\\*)\\s*(?:,\\s*([0-9]+)\\s*)?\\]");
  private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*([0-9]+)\\s*,\\s*([0-9]+)\\s*,\\s*([0-9]+)\\s*\\]");
  private static final Pattern HOST_PORT = Pattern.compile("[^\\s:/,]+:[0-9]{1,5}");
  private static final String MASTERS = "local, local[N], local[*], local[N,F], local-cluster[N,C,MB], spark://HOST:PORT, yarn, k8s://URL";

  private static final Pattern BYTES = Pattern.compile("[0-9]+\\s*(b|k|kb|m|mb|g|gb|t|tb|p|pb)?");
  private static final Pattern TIME = Pattern.compile("-?[0-9]+\\s*(us|ms|s|m|min|h|d)?");
  private static final Pattern INT = Pattern.compile("[+-]?[0-9]{1,10}");

  private static final Set<String> SIZES = Set.of("spark.driver.maxResultSize", "spark.driver.memory", "spark.executor.memory",
      "spark.driver.memoryOverhead", "spark.executor.memoryOverhead", "spark.executor.pyspark.memory", "spark.memory.offHeap.size",
      "spark.kryoserializer.buffer", "spark.kryoserializer.buffer.max", "spark.reducer.maxSizeInFlight", "spark.shuffle.file.buffer",
      "spark.broadcast.blockSize", "spark.io.compression.lz4.blockSize", "spark.io.compression.snappy.blockSize",
      "spark.io.compression.zstd.bufferSize", "spark.storage.memoryMapThreshold", "spark.sql.files.maxPartitionBytes");
  private static final Set<String> TIMES = Set.of("spark.network.timeout", "spark.executor.heartbeatInterval", "spark.locality.wait",
      "spark.speculation.interval", "spark.rpc.askTimeout", "spark.rpc.lookupTimeout", "spark.dynamicAllocation.executorIdleTimeout",
      "spark.dynamicAllocation.cachedExecutorIdleTimeout", "spark.dynamicAllocation.schedulerBacklogTimeout", "spark.scheduler.revive.interval");
  private static final Set<String> BOOLEANS = Set.of("spark.speculation", "spark.ui.showConsoleProgress", "spark.rdd.compress",
      "spark.shuffle.compress", "spark.shuffle.spill.compress", "spark.broadcast.compress", "spark.kryo.registrationRequired",
      "spark.kryo.referenceTracking", "spark.driver.userClassPathFirst", "spark.executor.userClassPathFirst", "spark.eventLog.compress",
      "spark.sql.caseSensitive", "spark.files.overwrite", "spark.ui.killEnabled");
  private static final Set<String> POSITIVE_INTS = Set.of("spark.executor.cores", "spark.driver.cores", "spark.task.cpus",
      "spark.default.parallelism", "spark.sql.shuffle.partitions", "spark.task.maxFailures", "spark.cores.max",
      "spark.stage.maxConsecutiveAttempts", "spark.rpc.message.maxSize");
  private static final Set<String> INTS = Set.of("spark.executor.instances", "spark.dynamicAllocation.minExecutors",
      "spark.dynamicAllocation.maxExecutors", "spark.dynamicAllocation.initialExecutors", "spark.port.maxRetries",
      "spark.driver.port", "spark.blockManager.port", "spark.ui.port", "spark.shuffle.io.maxRetries", "spark.ui.retainedJobs",
      "spark.ui.retainedStages");
  private static final Set<String> FRACTIONS = Set.of("spark.memory.fraction", "spark.memory.storageFraction",
      "spark.speculation.quantile");

  /** Why {@code master} is not a Spark master URL, or null. */
  static String masterProblem(String master) {
    String m = master.trim();
    String rule = "is not a Spark master URL; use one of: " + MASTERS;
    if (m.equals("local") || m.equals("yarn")) return null;
    Matcher local = LOCAL_N.matcher(m);
    if (local.matches()) {
      if (!local.group(1).equals("*") && !positive(local.group(1))) return "asks for no threads; local[N] needs N >= 1";
      if (local.group(2) != null && !positive(local.group(2))) return "local[N,F] needs F (task failures allowed) >= 1";
      return null;
    }
    Matcher cluster = LOCAL_CLUSTER.matcher(m);
    if (cluster.matches()) {
      for (int g = 1; g <= 3; g++) if (!positive(cluster.group(g))) return "local-cluster[workers, cores per worker, MB per worker] needs values >= 1";
      return null;
    }
    if (m.startsWith("spark://")) {
      for (String hp : m.substring("spark://".length()).split(",", -1)) if (!HOST_PORT.matcher(hp).matches()) return "needs spark://HOST:PORT[,HOST:PORT...]";
      return null;
    }
    if (m.startsWith("k8s://")) return m.length() > "k8s://".length() ? null : "needs the Kubernetes API server: k8s://https://HOST:PORT";
    if (m.startsWith("mesos://")) return null; // Spark 3.5
    return rule;
  }

  /** Why {@code value} is not a valid value for Spark property {@code key}, or null (also for properties nomoat does not know). */
  static String problem(String key, String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (key.equals("spark.master")) return masterProblem(value);
    if (SIZES.contains(key)) return BYTES.matcher(v).matches() ? null : "must be a whole size such as 512m, 4g or 1024 (no fractions)";
    if (TIMES.contains(key)) return TIME.matcher(v).matches() ? null : "must be a duration such as 120s, 500ms or 5min";
    if (BOOLEANS.contains(key) || (key.startsWith("spark.") && key.endsWith(".enabled"))) {
      return v.equals("true") || v.equals("false") ? null : "must be true or false";
    }
    if (POSITIVE_INTS.contains(key)) return INT.matcher(v).matches() && positive(v) ? null : "must be an integer >= 1";
    if (INTS.contains(key)) return INT.matcher(v).matches() && fitsInt(v) ? null : "must be an integer";
    if (FRACTIONS.contains(key)) {
      try {
        double d = Double.parseDouble(v);
        return d >= 0 && d <= 1 ? null : "must be a number between 0 and 1";
      } catch (NumberFormatException e) {
        return "must be a number between 0 and 1";
      }
    }
    return null;
  }

  private static boolean positive(String digits) {
    return fitsInt(digits) && Long.parseLong(digits.replace("+", "")) >= 1;
  }

  private static boolean fitsInt(String digits) {
    try {
      long l = Long.parseLong(digits.replace("+", ""));
      return l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
