package nomoat.pipeline.estimate;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import nomoat.pipeline.cost.Prices;
import nomoat.pipeline.format.HfCheckpoint;
import nomoat.pipeline.format.ModelLoader;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.shard.DatasetStats;
import nomoat.pipeline.shard.Manifest;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The estimate's inputs and arithmetic: shapes read without weights, FLOPs, the probe, and the table. */
class EstimateTest {
  @TempDir Path tmp;

  static final LoraSpec QV8 = new LoraSpec(8, 16, 0.0, Set.of("q_proj", "v_proj"), null, false);

  static LlamaConfig llama(int vocab, int hidden, int inter, int layers, int heads, int kvHeads) {
    return new LlamaConfig(vocab, hidden, inter, layers, heads, kvHeads, hidden / heads, 1e-5, 10000, null, 2048, false, false, 1, List.of(2), "float16");
  }

  static Manifest manifest(long rows, long tokens, long trained) {
    return new Manifest(Manifest.SCHEMA_VERSION, "dev", Instant.now(), new Manifest.Tokenizer("tokenizer.json", "ab".repeat(32)), "alpaca",
        512, false, new Manifest.Split(42, 0.02, null),
        Map.of("train", List.of(new Manifest.ShardFile("a", rows / 2, tokens / 2, trained / 2), new Manifest.ShardFile("b", rows - rows / 2,
            tokens - tokens / 2, trained - trained / 2)), "validation", List.of()), new DatasetStats(), Map.of());
  }

  @Test
  void llama7bShapeFromConfigJsonAlone() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("llama-7b"));            // config.json only: no weights, no tokenizer
    Files.write(dir.resolve("config.json"), HfCheckpoint.configJson(llama(32000, 4096, 11008, 32, 32, 32)));
    LlamaConfig c = ModelLoader.readConfig(new Configuration(), dir.toString());
    assertEquals(32, c.numLayers());
    assertEquals(4096, c.hiddenSize());
    TrainingFlops f = TrainingFlops.of(c, QV8, 512);
    assertEquals(4_194_304, f.loraParams(), "PEFT's trainable parameter count for LLaMA-7B q,v r=8");
    assertEquals(6_738_415_616L, f.baseParams(), 1e-3 * 6.7e9, "LLaMA-7B's 6.74B parameters");
    // a frozen base needs no weight gradients: ~4 N per token (not full fine-tuning's 6 N) plus attention
    assertTrue(f.perToken() > 4 * f.matmulParams() && f.perToken() < 4.2 * f.matmulParams(), "FLOPs/token " + f.perToken());
    assertEquals(16.78, f.adapterMegabytes(), 0.01);

    // too big to probe whole: same matrices, fewer layers
    LlamaConfig probe = EngineProbe.probeShape(c, 300_000_000L);
    assertEquals(1, probe.numLayers());
    assertEquals(c.hiddenSize(), probe.hiddenSize());
    assertEquals(c.intermediateSize(), probe.intermediateSize());
    assertSame(c, EngineProbe.probeShape(c, 10_000_000_000L));
  }

  @Test
  void backwardStopsAtTheLowestAdaptedLayer() {
    LlamaConfig c = llama(1000, 256, 688, 8, 4, 4);
    TrainingFlops all = TrainingFlops.of(c, QV8, 128);
    TrainingFlops top = TrainingFlops.of(c, new LoraSpec(8, 16, 0, Set.of("q_proj", "v_proj"), List.of(6, 7), false), 128);
    assertEquals(all.forwardPerToken() - 2.0 * (all.loraParams() - top.loraParams()), top.forwardPerToken(), 1e-6);
    assertTrue(top.backwardPerToken() < 0.4 * all.backwardPerToken(), top.backwardPerToken() + " vs " + all.backwardPerToken());
  }

  @Test
  void stories260kFromItsGgufHeaderWithAMeasuredProbe() {
    LlamaConfig c = ModelLoader.readConfig(new Configuration(), Fixtures.stories260K().toString());
    assertEquals(64, c.hiddenSize());
    assertEquals(5, c.numLayers());
    assertEquals(512, c.vocabSize());
    LoraSpec spec = new LoraSpec(4, 8, 0, Set.of("q_proj", "v_proj", "down_proj"), null, false);
    Workload w = Workload.of(manifest(64, 64 * 40, 64 * 8), 2, 4, 1, 3, -1);
    assertEquals(8, w.stepsPerEpoch());
    assertEquals(24, w.steps());
    assertEquals(40.0, w.meanRowLength());
    assertEquals(64 * 8 * 3, w.trainedTokens(), 1e-9);

    TrainingFlops f = TrainingFlops.of(c, spec, 40);
    EngineProbe probe = EngineProbe.run(EngineProbe.probeShape(c, 300_000_000L), spec, 4, 40, 1, 3, 42);
    assertEquals(c, probe.config(), "small enough to probe at its own shape");
    assertTrue(probe.secondsPerStep() > 0 && probe.flopsPerSecond() > 1e6, "measured " + probe);
    Estimator.Estimate e = Estimator.estimate("stories260K.gguf", c, 4, f, w, probe, 1, new Coordination(33, 4.6, 2, "test"),
        new Prices(0.10, null, "USD"), List.of(1, 2, 4));
    Estimator.Row one = e.rows().get(0), two = e.rows().get(1);
    assertEquals(probe.flopsPerSecond() / f.perToken(), one.tokensPerSecondPerExecutor(), 1e-6 * one.tokensPerSecondPerExecutor());
    assertEquals(w.tokensPerStep() / one.tokensPerSecondPerExecutor(), one.computeSecondsPerStep(), 1e-9);
    assertEquals(one.computeSecondsPerStep() / 2, two.computeSecondsPerStep(), 1e-9, "two executors share a step's rows");
    assertEquals((33 + 4.6 * f.adapterMegabytes() + 2 * 2) / 1000, two.coordinationSecondsPerStep(), 1e-12);
    double warm = probe.warmupExtraSeconds();
    assertTrue(probe.firstStepSeconds() > 0 && warm >= 0, "measured " + probe);
    assertEquals(24 * (two.computeSecondsPerStep() + two.coordinationSecondsPerStep()) + warm, two.wallSeconds(), 1e-9);
    assertEquals(one.executorCoreHours() + warm / 3600, two.executorCoreHours(), 1e-12,
        "the same work on more executors uses the same core-hours, plus each executor's warm-up");
    assertEquals(one.executorCoreHours() * 0.10, one.cost(), 1e-12);
    assertTrue(String.join("\n", e.lines()).contains("the model's full shape"), String.join("\n", e.lines()));
    assertTrue(e.toMap().containsKey("estimates"));
  }

  @Test
  void benchJsonCoordinationReplacesTheDefaults() {
    Coordination d = new Coordination(33, 4.6, 2, "defaults");
    Coordination c = Coordination.fromBenchJson("b.json", "{\"coordination\": {\"local\": {\"per_mb_ms\": 3.5, \"per_task_ms\": 1.25}}}".getBytes(), d);
    assertEquals(33, c.stepMs());
    assertEquals(3.5, c.perMbMs());
    assertEquals(1.25, c.perTaskMs());
    assertThrows(nomoat.pipeline.NomoatException.class, () -> Coordination.fromBenchJson("x.json", "{\"a\": 1}".getBytes(), d));
    // bench train's overhead part measured real train steps' coordination: it is the step cost, over the fit's empty step
    Coordination t = Coordination.fromBenchJson("t.json", ("{\"overhead\": {\"spark_coordination_s_median\": 0.082}, "
        + "\"cost_model\": {\"local\": {\"fixed_ms\": 30.0, \"per_task_ms\": 1.5, \"per_mb_ms\": 4.0}}}").getBytes(), d);
    assertEquals(82, t.stepMs(), 1e-9);
    assertEquals(4.0, t.perMbMs());
    // as bench train writes it: every coordination cell (a list) carries its own step's wall time as step_ms
    Coordination b = Coordination.fromBenchJson("bt.json", ("{\"overhead\": {\"spark_coordination_s_median\": 0.054}, "
        + "\"coordination\": {\"local\": [{\"partitions\": 2, \"step_ms\": 75.5, \"coordination_ms\": 42.1}]}, "
        + "\"cost_model\": {\"local\": {\"fixed_ms\": 16.8, \"per_task_ms\": 8.78, \"per_mb_ms\": 11.99}}}").getBytes(), d);
    assertEquals(54, b.stepMs(), 1e-9, "a cell's step_ms is not the step cost");
    assertEquals(8.78, b.perTaskMs());
    assertEquals(30.0, Coordination.fromBenchJson("f.json", "{\"cost_model\": {\"local\": {\"fixed_ms\": 30.0}}}".getBytes(), d).stepMs());
  }

  @Test
  void theProbeRunsAsManyEnginesAtOnceAsTheMasterRunsTasksInOneJvm() {
    assertEquals(2, EngineProbe.enginesAtOnce("local[2]", 2, 1, 16));
    assertEquals(2, EngineProbe.enginesAtOnce("local[4]", 2, 1, 16), "no more engines than the step has tasks");
    assertEquals(3, EngineProbe.enginesAtOnce("local[3, 4]", 8, 1, 16), "local[N,F]: F is retries, not threads");
    assertEquals(16, EngineProbe.enginesAtOnce("local[*]", 64, 1, 16));
    assertEquals(2, EngineProbe.enginesAtOnce("local[4]", 8, 2, 16), "spark.task.cpus=2 halves the slots");
    assertEquals(1, EngineProbe.enginesAtOnce("local", 2, 1, 16));
    assertEquals(4, EngineProbe.enginesAtOnce("local-cluster[2, 4, 1024]", 8, 1, 16), "per worker JVM");
    assertEquals(1, EngineProbe.enginesAtOnce("spark://h:7077", 8, 1, 16), "on a cluster an executor is the estimate's unit");
    assertEquals(1, EngineProbe.enginesAtOnce("yarn", 8, 1, 16));

    LlamaConfig c = ModelLoader.readConfig(new Configuration(), Fixtures.stories260K().toString());
    LoraSpec spec = new LoraSpec(4, 8, 0, Set.of("q_proj", "v_proj"), null, false);
    EngineProbe two = EngineProbe.run(c, spec, 4, 40, 1, 2, 3, 42);
    assertEquals(2, two.concurrent());
    assertEquals(160, two.tokensPerStep(), "tokens per step are one engine's");
    assertTrue(two.secondsPerStep() > 0 && two.flopsPerSecond() > 1e6, "measured " + two);
    assertThrows(IllegalArgumentException.class, () -> EngineProbe.run(c, spec, 4, 40, 1, 0, 3, 42));
    Workload w = Workload.of(manifest(64, 64 * 40, 64 * 8), 2, 4, 1, 1, -1);
    Estimator.Estimate e = Estimator.estimate("stories260K.gguf", c, 4, TrainingFlops.of(c, spec, 40), w, two, 1,
        new Coordination(65, 4.6, 2, "test"), new Prices(null, null, "USD"), List.of(2));
    String text = String.join("\n", e.lines());
    assertTrue(text.contains("2 engines at once") && text.contains("GFLOP/s per engine"), text);
    assertEquals(2, ((Map<?, ?>) e.toMap().get("probe")).get("concurrent_engines"));
    assertTrue(two.firstStepSeconds() > 0, "the slowest engine's cold first step: " + two);
    // a probe whose first step took 2 s more than the median adds 2 s once to the wall and 2 s per executor-core
    EngineProbe cold = new EngineProbe(c, 1, 0.5, 160, TrainingFlops.of(c, spec, 40), 3, 1, 2.5);
    EngineProbe warm = new EngineProbe(c, 1, 0.5, 160, TrainingFlops.of(c, spec, 40), 3);
    assertEquals(2.0, cold.warmupExtraSeconds(), 1e-12);
    assertEquals(0.0, warm.warmupExtraSeconds());
    Coordination none = new Coordination(0, 0, 0, "test");
    Estimator.Row coldRow = Estimator.estimate("m", c, 4, TrainingFlops.of(c, spec, 40), w, cold, 1, none, new Prices(null, null, "USD"), List.of(4)).rows().get(0);
    Estimator.Row warmRow = Estimator.estimate("m", c, 4, TrainingFlops.of(c, spec, 40), w, warm, 1, none, new Prices(null, null, "USD"), List.of(4)).rows().get(0);
    assertEquals(warmRow.wallSeconds() + 2.0, coldRow.wallSeconds(), 1e-9);
    assertEquals(warmRow.executorCoreHours() + 4 * 2.0 / 3600, coldRow.executorCoreHours(), 1e-12);
    assertEquals(EngineProbe.median(new double[] {3, 1, 2}), 2.0);
    assertEquals(EngineProbe.median(new double[] {4, 1, 2, 3}), 2.5);
  }
}
