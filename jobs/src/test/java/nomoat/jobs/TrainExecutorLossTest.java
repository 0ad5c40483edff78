package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import nomoat.pipeline.config.ConfigLoader;
import nomoat.pipeline.train.AdapterParams;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * train on the 2-worker standalone cluster (deploy/local-cluster.sh): one executor JVM is SIGKILLed while step 3 runs;
 * the run still finishes and its adapter is bitwise equal to an uninterrupted run's on the same cluster (lost cached
 * rows are recomputed from the shards, the replacement executor loads the model again, the retried task computes the
 * same gradient).
 */
@Tag("slow")
@Tag("integration")
class TrainExecutorLossTest {
  @TempDir Path tmp;

  @Test
  void killingAnExecutorMidRunGivesTheSameAdapter() throws Exception {
    String data = TrainFixtures.prepared();        // prepared on local Spark before the cluster session starts
    String clean = tmp.resolve("clean").toUri().toString(), killed = tmp.resolve("killed").toUri().toString();
    int steps = 6;
    try (StandaloneCluster cluster = StandaloneCluster.start(2, 1, "1g")) {
      SparkSession spark = cluster.session("nomoat-train-executor-loss").getOrCreate();
      try {
        StandaloneCluster.awaitExecutors(spark, 2, 180_000);
        run(spark, data, clean, steps);

        AtomicBoolean armed = new AtomicBoolean(true);
        AtomicLong victim = new AtomicLong(-1);
        AtomicInteger removed = new AtomicInteger();
        spark.sparkContext().addSparkListener(new SparkListener() {
          @Override public void onJobStart(SparkListenerJobStart e) {
            String d = e.properties() == null ? null : e.properties().getProperty("spark.job.description");
            if (d != null && d.startsWith("nomoat train step 3/") && armed.getAndSet(false)) {
              new Thread(() -> {              // off the listener bus: let the step's tasks start, then kill
                try {
                  Thread.sleep(300);
                  List<Long> pids = cluster.executorPids();
                  victim.set(pids.get(pids.size() - 1));
                  StandaloneCluster.kill(victim.get());
                } catch (InterruptedException ignored) {
                  Thread.currentThread().interrupt();
                }
              }).start();
            }
          }
          @Override public void onExecutorRemoved(SparkListenerExecutorRemoved e) { removed.incrementAndGet(); }
        });
        TrainJob.Summary s = run(spark, data, killed, steps);
        assertEquals(steps, s.steps());
        assertFalse(armed.get(), "step 3 ran");
        assertTrue(victim.get() > 0, "an executor JVM was killed");
        assertTrue(removed.get() >= 1, "the driver lost an executor");
      } finally {
        spark.stop();
      }
    }
    assertTrue(Files.exists(tmp.resolve("killed/_SUCCESS")));
    Map<String, INDArray> a = AdapterParams.of(TrainJobTest.adapter(clean)), b = AdapterParams.of(TrainJobTest.adapter(killed));
    assertEquals(a.keySet(), b.keySet());
    for (String k : a.keySet()) assertEquals(a.get(k), b.get(k), "tensor " + k);
    assertArrayEquals(Files.readAllBytes(tmp.resolve("clean/adapter/adapter_model.safetensors")),
        Files.readAllBytes(tmp.resolve("killed/adapter/adapter_model.safetensors")), "adapter files byte for byte");
  }

  private static TrainJob.Summary run(SparkSession spark, String data, String output, int steps) {
    return TrainJob.run(spark, ConfigLoader.load((Path) null, TrainJobTest.base(data, output, "train.workers=2", "train.grad-accum=1",
        "train.max-steps=" + steps)), false, new PrintWriter(new StringWriter()));
  }
}
