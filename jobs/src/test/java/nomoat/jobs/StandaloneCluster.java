package nomoat.jobs;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * A real Spark standalone cluster for integration tests: a master and N worker JVMs on 127.0.0.1, started by
 * {@code deploy/local-cluster.sh} from the test classpath's jars (the workers launch executor JVMs as on any
 * standalone cluster). Executor JVMs can be listed by pid and killed with SIGKILL. {@link #close()} stops every
 * JVM of the cluster; the script also stops it by itself once this JVM is gone (a test JVM killed mid-test).
 */
public final class StandaloneCluster implements AutoCloseable {
  /** Spark's Java 17 opens (the executors get them explicitly; the driver has them from surefire's argLine). */
  static final String JAVA_OPENS = "-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED "
      + "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED "
      + "--add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED "
      + "--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED "
      + "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED "
      + "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED "
      + "--add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED "
      + "-Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true";

  private final Path dir;
  private final String masterUrl;
  private final int workers;
  private final Thread shutdownHook;
  private boolean closed;

  private StandaloneCluster(Path dir, String masterUrl, int workers) {
    this.dir = dir;
    this.masterUrl = masterUrl;
    this.workers = workers;
    this.shutdownHook = new Thread(this::stopQuietly);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts a master and {@code workers} workers with {@code cores} cores and {@code memory} (e.g. "1g") each. */
  public static StandaloneCluster start(int workers, int cores, String memory) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("nomoat-standalone");
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Result r = script("start", "--dir", dir.toString(), "--workers", Integer.toString(workers), "--cores", Integer.toString(cores),
        "--memory", memory, "--classpath", classpath, "--watch-pid", Long.toString(ProcessHandle.current().pid()));
    if (r.exitCode != 0) {
      script("stop", "--dir", dir.toString());
      throw new IllegalStateException("deploy/local-cluster.sh start failed (exit " + r.exitCode + "):\n" + r.stderr);
    }
    String url = r.stdout.strip();
    if (!url.startsWith("spark://")) throw new IllegalStateException("local-cluster.sh printed no master URL: " + url + "\n" + r.stderr);
    return new StandaloneCluster(dir, url, workers);
  }

  public String masterUrl() { return masterUrl; }

  public Path dir() { return dir; }

  /**
   * A session builder for this cluster: one executor per worker (1 core, 512 MB), the test classpath on the
   * executors, everything bound to 127.0.0.1. Stops the shared local session first (one SparkContext per JVM).
   */
  public SparkSession.Builder session(String appName) {
    LocalSpark.stop();
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    return SparkSession.builder().master(masterUrl).appName(appName)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.executor.cores", "1").config("spark.executor.memory", "512m")
        .config("spark.cores.max", Integer.toString(workers))
        .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
        .config("spark.executor.extraJavaOptions", JAVA_OPENS);
  }

  /** Waits until {@code n} executors have registered with the session's driver. */
  public static void awaitExecutors(SparkSession spark, int n, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (executorCount(spark) < n) {
      if (System.currentTimeMillis() > deadline)
        throw new IllegalStateException("only " + executorCount(spark) + " of " + n + " executors registered within " + timeoutMs + " ms");
      Thread.sleep(200);
    }
  }

  /** Registered executors, not counting the driver. */
  public static int executorCount(SparkSession spark) {
    return spark.sparkContext().getExecutorMemoryStatus().size() - 1;
  }

  /** Pids of this cluster's executor JVMs (CoarseGrainedExecutorBackend started from this cluster's spark-home). */
  public List<Long> executorPids() {
    String home = dir.resolve("spark-home") + File.separator;
    List<Long> pids = new ArrayList<>();
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      all.forEach(p -> {
        String cmd = commandLine(p.pid());
        if (cmd.contains("CoarseGrainedExecutorBackend") && cmd.contains(home)) pids.add(p.pid());
      });
    }
    pids.sort(Comparator.naturalOrder());
    return pids;
  }

  /** SIGKILLs one JVM (no shutdown hooks run: what a crashed or OOM-killed executor looks like) and waits for it to exit. */
  public static void kill(long pid) throws InterruptedException {
    ProcessHandle.of(pid).ifPresent(p -> {
      p.destroyForcibly();
      try {
        p.onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("pid " + pid + " did not exit after SIGKILL", e);
      }
    });
  }

  private static String commandLine(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException | RuntimeException e) {
      return "";   // gone, or not ours to read
    }
  }

  @Override
  public synchronized void close() {
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // already in shutdown: the hook runs (and finds the cluster stopped)
    }
  }

  private synchronized void stopQuietly() {
    if (closed) return;
    closed = true;
    try {
      Result r = script("stop", "--dir", dir.toString());
      if (r.exitCode != 0) System.err.println("local-cluster.sh stop: exit " + r.exitCode + "\n" + r.stderr);
    } catch (Exception e) {
      System.err.println("local-cluster.sh stop failed: " + e);
    }
    for (long pid : executorPids()) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
  }

  private record Result(int exitCode, String stdout, String stderr) {}

  private static Result script(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("bash", scriptPath().toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("local-cluster", ".out"), err = Files.createTempFile("local-cluster", ".err");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
      Process p = pb.start();
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("deploy/local-cluster.sh " + args[0] + " did not finish within 5 minutes");
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** deploy/local-cluster.sh of this checkout (tests run in the module directory). */
  static Path scriptPath() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path s = d.resolve("deploy/local-cluster.sh");
      if (Files.isRegularFile(s)) return s;
    }
    throw new IllegalStateException("deploy/local-cluster.sh not found above " + Path.of("").toAbsolutePath());
  }
}
