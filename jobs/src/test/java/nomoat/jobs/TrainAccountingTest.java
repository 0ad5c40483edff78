package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.config.ConfigLoader;
import nomoat.pipeline.cost.ComputeUsage;
import nomoat.pipeline.train.Checkpoints;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.status.api.v1.StageData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train's compute accounting against Spark's own task metrics (its status store), prices, and resumed attempts. */
@Tag("integration")
class TrainAccountingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  String train(String output, String resume, String... more) throws Exception {
    return train(output, false, resume, more);
  }

  String train(String output, boolean force, String resume, String... more) throws Exception {
    List<String> o = TrainJobTest.base(TrainFixtures.prepared(), tmp.resolve(output).toUri().toString(), more);
    StringWriter console = new StringWriter();
    TrainJob.run(LocalSpark.get(), ConfigLoader.load((Path) null, o), force, resume, new PrintWriter(console, true));
    return console.toString();
  }

  JsonNode compute(String output) throws Exception {
    return JSON.readTree(tmp.resolve(output + "/run.json").toFile()).get("compute");
  }

  /** Spark's status store: executor run time (s) of the stages submitted and completed within [fromMs, toMs]. */
  static double sparkRunSeconds(SparkSession spark, long fromMs, long toMs) throws Exception {
    spark.sparkContext().listenerBus().waitUntilEmpty(10_000);
    double s = 0;
    scala.collection.Iterator<StageData> it = spark.sparkContext().statusStore()
        .stageList(List.of(), false, false, new double[0], List.of()).iterator();
    while (it.hasNext()) {
      StageData d = it.next();
      if (d.submissionTime().isEmpty() || d.completionTime().isEmpty()) continue;
      if (d.submissionTime().get().getTime() >= fromMs && d.completionTime().get().getTime() <= toMs) s += d.executorRunTime() / 1000.0;
    }
    return s;
  }

  @Test
  void coreSecondsMatchSparksTaskMetricsAndPricesAppear() throws Exception {
    SparkSession spark = LocalSpark.get();
    TrainFixtures.prepared();
    long from = System.currentTimeMillis();
    String console = train("run", null, "train.workers=2", "train.max-steps=4", "cost.cpu-core-hour=0.05", "cost.currency=EUR");
    long to = System.currentTimeMillis();

    JsonNode run = JSON.readTree(tmp.resolve("run/run.json").toFile());
    JsonNode compute = run.get("compute");
    double core = compute.get("executor_core_s").asDouble();
    double sparkSeconds = sparkRunSeconds(spark, from, to);       // spark.task.cpus = 1 here: core-seconds = run time
    assertTrue(core > 0, run.toString());
    assertEquals(sparkSeconds, core, 0.05 * sparkSeconds, "executor core-seconds vs Spark's status store");
    double wall = compute.get("wall_s").asDouble();
    assertTrue(core <= 2 * wall * 1.05, "2 local cores cannot give more than 2 x wall: " + core + " vs wall " + wall);
    assertEquals(1, compute.get("attempts").asInt());
    assertTrue(compute.get("tokens_trained").asLong() > 0 && compute.get("tokens_processed").asLong() >= compute.get("tokens_trained").asLong());
    assertTrue(compute.get("driver_s").asDouble() > 0 && compute.get("driver_s").asDouble() < wall);
    assertEquals(0.0, compute.get("driver_core_s").asDouble(), "local mode: the driver is the executor");

    // per step: the step's own core-seconds, at least the slowest task's compute and together below the total
    List<String> lines = Files.readAllLines(tmp.resolve("run/metrics.jsonl"));
    double steps = 0, trained = 0;
    for (String l : lines) {
      JsonNode n = JSON.readTree(l);
      double c = n.get("executor_core_s").asDouble();
      assertTrue(c >= 0.9 * n.get("compute_s").asDouble(), l);
      steps += c;
      trained += n.get("trained_tokens").asDouble();
    }
    assertTrue(steps <= core + 1e-6, steps + " vs " + core);
    assertEquals(trained, compute.get("tokens_trained").asDouble());

    // priced: run.json's cost is core-hours x price, per million trained tokens follows, the console says so
    JsonNode cost = run.get("cost");
    assertEquals("EUR", cost.get("currency").asText());
    assertEquals(core / 3600 * 0.05, cost.get("total").asDouble(), 1e-12);
    assertEquals(cost.get("total").asDouble() / trained * 1e6, cost.get("per_million_trained_tokens").asDouble(), 1e-9);
    assertTrue(console.contains("| cost ") && console.contains("projected") && console.contains("EUR"), console);
    assertTrue(console.contains("per million trained tokens"), console);
  }

  @Test
  void resumedAttemptsAddUp() throws Exception {
    TrainFixtures.prepared();
    String[] settings = {"train.workers=2", "train.max-steps=4", "train.checkpoint-every=2"};
    train("full", null, settings);
    Path step2 = tmp.resolve("full/checkpoints/step-000002");

    // an attempt killed after step 3: its checkpoint at step 2 and the accounting file it rewrote every step
    Path inProgress = Path.of(java.net.URI.create(Checkpoints.dirFor(tmp.resolve("res").toUri().toString())));
    TrainResumeTest.copyDir(step2, inProgress.resolve("step-000002"));
    ComputeUsage earlier = new ComputeUsage(1000, 0, 1000, 6, 400, 50, 0, 12345, 999, 7 << 20, -1, 1);
    Files.write(inProgress.resolve(TrainJob.ACCOUNTING), earlier.toJson());
    String console = train("res", "auto", settings);
    assertTrue(console.contains("resuming from"), console);
    JsonNode c = JSON.readTree(tmp.resolve("res/run.json").toFile()).get("compute");
    assertEquals(2, c.get("attempts").asInt());
    assertTrue(c.get("executor_core_s").asDouble() > 1000, c.toString());
    assertTrue(c.get("wall_s").asDouble() > 400, c.toString());
    assertTrue(c.get("tokens_processed").asLong() > 12345, c.toString());
    JsonNode fullCompute = JSON.readTree(tmp.resolve("full/run.json").toFile()).get("compute");
    assertEquals(fullCompute.get("tokens_trained").asLong(), c.get("tokens_trained").asLong(),
        "trained tokens are the run's steps', not the redone ones twice");

    // resumed from a checkpoint elsewhere (no accounting file): the checkpoint's metrics lines are the earlier attempt
    train("elsewhere", step2.toString(), settings);
    JsonNode e = JSON.readTree(tmp.resolve("elsewhere/run.json").toFile()).get("compute");
    double firstTwo = 0;
    for (String l : Files.readAllLines(step2.resolve("metrics.jsonl"))) firstTwo += JSON.readTree(l).get("executor_core_s").asDouble();
    assertTrue(firstTwo > 0 && e.get("executor_core_s").asDouble() > firstTwo, e.toString());
    assertEquals(2, e.get("attempts").asInt());
  }

  @Test
  void anAttemptThatDiedBeforeItsFirstCheckpointCountsOnResumeOnly() throws Exception {
    TrainFixtures.prepared();
    String[] settings = {"train.workers=2", "train.max-steps=3", "train.checkpoint-every=0"};
    ComputeUsage dead = new ComputeUsage(1000, 0, 1000, 6, 400, 50, 0, 12345, 999, 7 << 20, -1, 1);

    // a first attempt wrote its accounting file when it started its steps, then died: no checkpoint to restore
    Path deadDir = Path.of(java.net.URI.create(Checkpoints.dirFor(tmp.resolve("dead").toUri().toString())));
    Files.createDirectories(deadDir);
    Files.write(deadDir.resolve(TrainJob.ACCOUNTING), dead.toJson());
    String console = train("dead", "auto", settings);
    assertFalse(console.contains("resuming from"), console);
    JsonNode c = compute("dead");
    assertEquals(2, c.get("attempts").asInt(), c.toString());
    assertTrue(c.get("executor_core_s").asDouble() > 1000 && c.get("wall_s").asDouble() > 400, c.toString());
    assertTrue(c.get("tokens_processed").asLong() > 12345, c.toString());
    assertFalse(Files.exists(deadDir), "the checkpoint dir, accounting file included, moved into the committed output");

    // the same left-over file, but the rerun did not ask to resume: it starts over and counts only itself
    Path freshDir = Path.of(java.net.URI.create(Checkpoints.dirFor(tmp.resolve("fresh").toUri().toString())));
    Files.createDirectories(freshDir);
    Files.write(freshDir.resolve(TrainJob.ACCOUNTING), dead.toJson());
    train("fresh", null, settings);
    JsonNode f = compute("fresh");
    assertEquals(1, f.get("attempts").asInt(), f.toString());
    assertTrue(f.get("executor_core_s").asDouble() < 1000, f.toString());
    assertEquals(f.get("tokens_trained").asLong(), c.get("tokens_trained").asLong(), "a dead attempt's trained tokens are not the run's");

    // --force over a committed output (even with --resume auto): the committed run's compute is not this run's
    train("dead", true, "auto", settings);
    JsonNode again = compute("dead");
    assertEquals(1, again.get("attempts").asInt(), again.toString());
    assertTrue(again.get("executor_core_s").asDouble() < 1000, again.toString());
  }
}
