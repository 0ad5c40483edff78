package nomoat.jobs;

import java.util.concurrent.TimeoutException;
import nomoat.pipeline.cost.ComputeUsage;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageExecutorMetrics;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compute a stage uses, from Spark's own task metrics: a SparkListener added for the stage's lifetime. Executor
 * core-seconds are each finished task attempt's {@code executorRunTime} × {@code spark.task.cpus}; GPU-seconds the
 * same × {@code spark.task.resource.gpu.amount}; driver time is wall time minus the time Spark jobs were running;
 * memory peaks are Spark's executor metrics (JVM heap; process-tree RSS when
 * {@code spark.executor.processTreeMetrics.enabled}) from task ends and heartbeats. A stage adopts it in one line:
 * <pre>
 *   try (SparkAccounting acct = SparkAccounting.start(spark.sparkContext(), ComputeUsage.NONE)) {
 *     ... jobs ...
 *     run.put("compute", acct.usage(tokensProcessed, tokensTrained).toMap());
 *   }
 * </pre>
 * Listener events arrive asynchronously; {@link #settle()} waits for Spark's listener bus to drain so the numbers
 * include every task of the jobs that have returned.
 */
public final class SparkAccounting extends SparkListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SparkAccounting.class);

  private final SparkContext sc;
  private final ComputeUsage before;
  private final double taskCpus, taskGpus, driverCores;
  private final boolean local;
  private final long startNanos = System.nanoTime();

  private double runSeconds, coreSeconds, gpuSeconds, jobSeconds;
  private long tasks, peakHeap = -1, peakRss = -1, runningJobs, jobsStartedAt;
  private double markCore, markGpu;
  private long markersPosted, markersSeen;

  private SparkAccounting(SparkContext sc, ComputeUsage before) {
    this.sc = sc;
    this.before = before;
    SparkConf conf = sc.getConf();
    this.taskCpus = conf.getInt("spark.task.cpus", 1);
    this.taskGpus = conf.getDouble("spark.task.resource.gpu.amount", 0);
    this.local = sc.isLocal();
    this.driverCores = local ? 0 : conf.getInt("spark.driver.cores", 1);
  }

  /** Starts counting; {@code before} is what earlier attempts of the same run used ({@link ComputeUsage#NONE} for a fresh run). */
  public static SparkAccounting start(SparkContext sc, ComputeUsage before) {
    SparkAccounting a = new SparkAccounting(sc, before);
    sc.addSparkListener(a);
    return a;
  }

  @Override
  public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
    TaskMetrics m = end.taskMetrics();
    if (m != null) {
      double s = m.executorRunTime() / 1000.0;
      runSeconds += s;
      coreSeconds += s * taskCpus;
      gpuSeconds += s * taskGpus;
    }
    tasks++;
    peaks(end.taskExecutorMetrics());
  }

  @Override
  public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate u) {
    if (!local && "driver".equals(u.execId())) return;        // the driver's own JVM is not an executor
    scala.collection.Iterator<ExecutorMetrics> it = u.executorUpdates().valuesIterator();
    synchronized (this) {
      while (it.hasNext()) peaks(it.next());
    }
  }

  @Override
  public synchronized void onStageExecutorMetrics(SparkListenerStageExecutorMetrics e) {
    if (local || !"driver".equals(e.execId())) peaks(e.executorMetrics());
  }

  @Override
  public void onOtherEvent(SparkListenerEvent event) {
    if (event instanceof Marker m && m.owner == this)
      synchronized (this) {
        markersSeen = Math.max(markersSeen, m.id);
        notifyAll();
      }
  }

  /** Posted by {@link #mark}; every listener but the one that posted it ignores it, and it stays out of the event log. */
  private static final class Marker implements SparkListenerEvent {
    final transient SparkAccounting owner;
    final long id;

    Marker(SparkAccounting owner, long id) {
      this.owner = owner;
      this.id = id;
    }

    @Override
    public boolean logEvent() { return false; }
  }

  @Override
  public synchronized void onJobStart(SparkListenerJobStart start) {
    if (runningJobs++ == 0) jobsStartedAt = start.time();
  }

  @Override
  public synchronized void onJobEnd(SparkListenerJobEnd end) {
    if (runningJobs > 0 && --runningJobs == 0) jobSeconds += Math.max(0, end.time() - jobsStartedAt) / 1000.0;
  }

  private void peaks(ExecutorMetrics m) {
    if (m == null) return;
    long heap = m.getMetricValue("JVMHeapMemory"), rss = m.getMetricValue("ProcessTreeJVMRSSMemory");
    if (heap > 0) peakHeap = Math.max(peakHeap, heap);
    if (rss > 0) peakRss = Math.max(peakRss, rss);
  }

  /** Waits (up to 10 s) until Spark has delivered every event posted so far, so jobs that returned are fully counted. */
  public void settle() {
    try {
      sc.listenerBus().waitUntilEmpty(10_000);
    } catch (TimeoutException e) {
      LOG.warn("compute accounting: Spark's listener bus did not drain in 10 s; the last tasks are counted later");
    }
  }

  /** Executor core-seconds and GPU-seconds since the previous mark (a step's own usage). */
  public record Delta(double executorCoreSeconds, double gpuSeconds) {}

  /**
   * Returns the usage since the previous call, once this listener has seen every event posted before the call: the
   * tasks of every job that has returned (Spark posts a job's task ends before its job end, and both before the job's
   * caller wakes). Waits for this listener's own queue only, by posting a marker event and waiting for it, not for
   * every queue to drain as {@link #settle} does (the event log and the UI's store may lag behind without holding up
   * a training step).
   */
  public Delta mark() {
    long k;
    synchronized (this) {
      k = ++markersPosted;
    }
    sc.listenerBus().post(new Marker(this, k));
    synchronized (this) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      try {
        while (markersSeen < k) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            LOG.warn("compute accounting: Spark's listener bus did not deliver in 10 s; the last tasks are counted later");
            break;
          }
          wait(Math.max(1, left / 1_000_000));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Delta d = new Delta(coreSeconds - markCore, gpuSeconds - markGpu);
      markCore = coreSeconds;
      markGpu = gpuSeconds;
      return d;
    }
  }

  /** Everything so far (earlier attempts included), with this attempt's tokens added to theirs. Does not settle. */
  public synchronized ComputeUsage usage(long tokensProcessed, long tokensTrained) {
    double wall = (System.nanoTime() - startNanos) / 1e9;
    ComputeUsage mine = new ComputeUsage(coreSeconds, gpuSeconds, runSeconds, tasks, wall, Math.max(0, wall - jobSeconds),
        driverCores * wall, tokensProcessed, tokensTrained, peakHeap, peakRss, 1);
    return before.plus(mine);
  }

  @Override
  public void close() {
    sc.removeSparkListener(this);
  }
}
