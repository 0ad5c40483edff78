package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The harness itself: a job on the 2-worker standalone cluster survives the SIGKILL of one executor JVM. */
@Tag("slow")
@Tag("integration")
class StandaloneClusterTest {

  @Test
  void jobFinishesWhenAnExecutorJvmIsKilledMidJob() throws Exception {
    try (StandaloneCluster cluster = StandaloneCluster.start(2, 1, "1g")) {
      SparkSession spark = cluster.session("nomoat-standalone-cluster-test").getOrCreate();
      try {
        StandaloneCluster.awaitExecutors(spark, 2, 180_000);
        List<Long> before = cluster.executorPids();
        assertEquals(2, before.size(), "one executor JVM per worker: " + before);

        AtomicInteger started = new AtomicInteger(), failed = new AtomicInteger(), removed = new AtomicInteger();
        spark.sparkContext().addSparkListener(new SparkListener() {
          @Override public void onTaskStart(SparkListenerTaskStart e) { started.incrementAndGet(); }
          @Override public void onTaskEnd(SparkListenerTaskEnd e) { if (!e.taskInfo().successful()) failed.incrementAndGet(); }
          @Override public void onExecutorRemoved(SparkListenerExecutorRemoved e) { removed.incrementAndGet(); }
        });

        List<Integer> numbers = IntStream.range(0, 4000).boxed().toList();
        JavaRDD<Integer> rdd = new JavaSparkContext(spark.sparkContext()).parallelize(numbers, 4);
        CompletableFuture<Long> sum = CompletableFuture.supplyAsync(() -> rdd.mapPartitions(it -> {
          long s = 0;
          while (it.hasNext()) s += it.next();
          Thread.sleep(8_000);                // long enough to be killed while running
          return List.of(s).iterator();
        }).reduce(Long::sum));

        long deadline = System.currentTimeMillis() + 120_000;
        while (started.get() < 2 && System.currentTimeMillis() < deadline) Thread.sleep(50);
        assertTrue(started.get() >= 2, "both executors run a task");
        long victim = before.get(0);
        StandaloneCluster.kill(victim);

        assertEquals(4000L * 3999 / 2, sum.get(5, TimeUnit.MINUTES), "the job finishes with the right result");
        assertTrue(failed.get() >= 1, "the killed executor's task failed and was retried");
        assertTrue(removed.get() >= 1, "the driver saw the executor go");

        // The worker launches a replacement executor.
        StandaloneCluster.awaitExecutors(spark, 2, 180_000);
        List<Long> after = new ArrayList<>(cluster.executorPids());
        assertEquals(2, after.size(), "two executor JVMs again: " + after);
        assertFalse(after.contains(victim), "the killed JVM is gone");
      } finally {
        spark.stop();
      }
      assertTrue(cluster.executorPids().isEmpty() || waitNoExecutors(cluster), "executors exit with the application");
    }
  }

  private static boolean waitNoExecutors(StandaloneCluster cluster) throws InterruptedException {
    for (int i = 0; i < 300 && !cluster.executorPids().isEmpty(); i++) Thread.sleep(100);
    return cluster.executorPids().isEmpty();
  }
}
