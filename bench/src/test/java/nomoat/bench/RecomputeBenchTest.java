package nomoat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.Batch;
import nomoat.pipeline.model.EngineOptions;
import nomoat.pipeline.model.ForwardBackward;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.model.LoraInit;
import nomoat.pipeline.model.RandomWeights;
import nomoat.pipeline.model.WorkspaceMemory;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** bench recompute's modes, table, and the workspace bytes it reports as activation memory. */
class RecomputeBenchTest {
  @Test
  void modesAreTrainRecomputesValues() {
    assertEquals(false, RecomputeBench.recompute("none"));
    assertEquals(true, RecomputeBench.recompute(" layers"));
    assertThrows(NomoatException.class, () -> RecomputeBench.recompute("attention"));
  }

  @Test
  void tableComparesWithTheFirstMode() {
    String t = RecomputeBench.format(List.of(
        Map.of("recompute", "none", "seq", 2048, "tokens_per_s_median", 1000.0, "workspace_bytes", 512L << 20, "peak_rss_mib", 1500.0,
            "foreign_cpu_share_during_run", 0.0),
        Map.of("recompute", "layers", "seq", 2048, "tokens_per_s_median", 800.0, "workspace_bytes", 128L << 20, "peak_rss_mib", 900.0,
            "foreign_cpu_share_during_run", 0.1)));
    String layers = t.lines().filter(l -> l.startsWith("layers")).findFirst().orElseThrow();
    assertTrue(layers.contains("0.80x") && layers.contains("128.0") && layers.contains("900"), t);
  }

  /** A one-row step runs on the calling thread, whose workspaces then hold its activations: fewer when recomputing. */
  @Test
  void recomputationHoldsFewerWorkspaceBytes() {
    BenchModel m = new BenchModel("tiny", 64, 4, 4, 4, 176, 256, 128, 1);
    LlamaConfig config = m.toLlamaConfig();
    long[] held = new long[2];
    for (int i = 0; i < 2; i++) {
      boolean recompute = i == 1;
      Thread t = new Thread(() -> {                       // a fresh thread: its workspaces are this mode's only
        LlamaModel model = new LlamaModel(RandomWeights.llama(config, 0), EngineOptions.defaults().withThreads(1).withRecompute(recompute));
        LoraAdapter adapter = LoraInit.create(new LoraSpec(4, 8, 0.0, BenchModel.targets("qv"), null, false), config, 0, DataType.FLOAT);
        Batch b = TrainStepBench.randomBatches(m, 1, 1).get(0);
        for (int s = 0; s < 2; s++) ForwardBackward.run(model, List.of(), adapter, b, 0);   // the first sizes the workspaces
        held[recompute ? 1 : 0] = WorkspaceMemory.ofThisThread().bytes();
      });
      t.start();
      try {
        t.join();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    assertTrue(held[0] > 0 && held[1] > 0, java.util.Arrays.toString(held));
    assertTrue(held[1] < held[0], "recompute holds " + held[1] + " bytes, none " + held[0]);
  }
}
