package nomoat.pipeline.model;

import static nomoat.pipeline.model.NarrowStorageTest.assertBitIdentical;

import java.util.List;
import java.util.Random;
import java.util.Set;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Activation recomputation (train.recompute = layers) gives the very same loss and gradients as keeping the caches. */
class RecomputeTest {
  static final Random RND = new Random(41);

  @Test
  void recomputedLayersGiveBitIdenticalLossAndGradients() {
    LlamaConfig c = TinyModels.config(50, 32, 48, 3, 4, 2, false);
    int[] ids = TinyModels.randomIds(RND, 2 * 11, c.vocabSize());
    Batch batch = new Batch(2, 11, ids, ids.clone(), null, null, null);
    for (DataType dt : List.of(DataType.FLOAT, DataType.DOUBLE))
      for (List<Integer> layers : java.util.Arrays.asList(null, List.of(1, 2))) {     // all layers; none below layer 1
        LlamaWeights w = TinyModels.weights(c, dt, 5);
        LoraAdapter ad = TinyModels.adapter(c, TinyModels.spec(2, 4, 0.2, Set.copyOf(LoraSpec.ALL_MODULES), layers), dt, 6);
        LoraAdapter frozen = TinyModels.adapter(c, TinyModels.spec(2, 4, 0, Set.of("o_proj"), null), dt, 7);
        for (int threads : new int[] {1, 2}) {
          EngineOptions o = EngineOptions.defaults().withThreads(threads);
          StepResult kept = ForwardBackward.run(new LlamaModel(w, o), List.of(frozen), ad, batch, 9);
          StepResult again = ForwardBackward.run(new LlamaModel(w, o.withRecompute(true)), List.of(frozen), ad, batch, 9);
          assertBitIdentical(kept, again, dt + " layers=" + layers + " threads=" + threads);
        }
      }
    // narrow storage too
    LlamaWeights bf = TinyModels.weights(c, DataType.FLOAT, 5).as(WeightStorage.BFLOAT16);
    LoraAdapter ad = TinyModels.adapter(c, TinyModels.spec(8, 16, 0, Set.of("q_proj", "v_proj"), null), DataType.FLOAT, 6);
    EngineOptions o = EngineOptions.defaults().withThreads(1);
    assertBitIdentical(ForwardBackward.run(new LlamaModel(bf, o), List.of(), ad, batch, 1),
        ForwardBackward.run(new LlamaModel(bf, o.withRecompute(true)), List.of(), ad, batch, 1), "bfloat16 q,v");
  }

  /**
   * With recomputation a step holds each layer's input [N, H] and little else per layer: a layer's dx and its phase
   * temporaries are reused, not kept until the step ends (they once were, 3x this per layer at LLaMA-7B width).
   */
  @Test
  void recomputeKeepsOneInputPerLayer() throws Exception {
    int seq = 128, hidden = 128;
    long[] held = new long[2];
    int[] layers = {2, 6};
    for (int i = 0; i < 2; i++) {
      LlamaConfig c = TinyModels.config(64, hidden, 192, layers[i], 4, 4, false);
      int[] ids = TinyModels.randomIds(RND, seq, c.vocabSize());
      Batch batch = new Batch(1, seq, ids, ids.clone(), null, null, null);
      LlamaModel model = new LlamaModel(TinyModels.weights(c, DataType.FLOAT, 5), EngineOptions.defaults().withThreads(1).withRecompute(true));
      LoraAdapter ad = TinyModels.adapter(c, TinyModels.spec(4, 8, 0, Set.of("q_proj", "v_proj"), null), DataType.FLOAT, 6);
      int k = i;
      Thread t = new Thread(() -> {                           // a fresh thread: workspaces are per thread and sized by use
        for (int step = 0; step < 3; step++) ForwardBackward.run(model, List.of(), ad, batch, 9);
        held[k] = WorkspaceMemory.ofThisThread().bytes();
      });
      t.start();
      t.join();
    }
    long perLayer = (held[1] - held[0]) / (layers[1] - layers[0]), input = (long) seq * hidden * Float.BYTES;
    org.junit.jupiter.api.Assertions.assertTrue(perLayer <= 1.5 * input,
        "workspace bytes per extra layer " + perLayer + " vs one layer input " + input + " (held " + held[0] + ", " + held[1] + ")");
  }
}
