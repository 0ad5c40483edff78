package nomoat.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.Set;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Whole-model adapter gradients against finite differences of the whole model's summed loss, in DOUBLE. */
class ModelGradientTest {
  static final DataType D = DataType.DOUBLE;

  /** Row 0 packs two examples (segments 1, 2) then pads; row 1 is one example then padding. */
  static Batch packedAndPadded(Random rnd, int vocab) {
    int t = 9;
    int[] ids = TinyModels.randomIds(rnd, 2 * t, vocab);
    int[] labels = ids.clone();
    int[] attn = {1, 1, 1, 1, 1, 1, 1, 0, 0, /**/ 1, 1, 1, 1, 1, 1, 0, 0, 0};
    int[] seg = {1, 1, 1, 1, 2, 2, 2, 0, 0, /**/ 1, 1, 1, 1, 1, 1, 0, 0, 0};
    for (int i = 0; i < labels.length; i++) if (attn[i] == 0) labels[i] = Batch.IGNORE;
    labels[0] = labels[1] = labels[4] = labels[9] = labels[10] = Batch.IGNORE;   // prompts not trained
    return new Batch(2, t, ids, labels, attn, seg, null);
  }

  static void checkAgainstFiniteDifferences(LlamaModel model, List<LoraAdapter> frozen, LoraAdapter ad, Batch batch, long seed,
                                            int perTensor) {
    StepResult r = ForwardBackward.run(model, frozen, ad, batch, seed);
    assertTrue(r.tokenCount() > 0);
    Random pick = new Random(5);
    double eps = 1e-6;
    for (String path : ad.a().keySet())
      for (boolean inA : new boolean[] {true, false}) {
        INDArray g = (inA ? r.gradA() : r.gradB()).get(path);
        INDArray gf = g.reshape(g.length());
        for (int k = 0; k < perTensor; k++) {
          long i = pick.nextInt((int) g.length());
          double up = ForwardBackward.run(model, frozen, TinyModels.perturbed(ad, inA, path, i, eps), batch, seed).lossSum();
          double down = ForwardBackward.run(model, frozen, TinyModels.perturbed(ad, inA, path, i, -eps), batch, seed).lossSum();
          double num = (up - down) / (2 * eps);
          assertEquals(num, gf.getDouble(i), 1e-6 * Math.max(1, Math.abs(num)), (inA ? "A " : "B ") + path + "[" + i + "]");
        }
      }
  }

  @Test
  void allSevenTargetsGqaPackedPaddedWithDropoutAndFrozenStack() {
    LlamaConfig c = TinyModels.gqa();
    // rows of 9 positions in tiles of 4: three causal tiles
    LlamaModel model = new LlamaModel(TinyModels.weights(c, D, 11), EngineOptions.defaults().withAttentionTileRows(4));
    LoraAdapter frozen = TinyModels.adapter(c, TinyModels.spec(3, 6, 0, Set.of("q_proj", "down_proj"), null), D, 12);
    LoraAdapter ad = TinyModels.adapter(c, TinyModels.spec(2, 4, 0.2, Set.copyOf(LoraSpec.ALL_MODULES), null), D, 13);
    checkAgainstFiniteDifferences(model, List.of(frozen), ad, packedAndPadded(new Random(1), c.vocabSize()), 42, 3);
  }

  @Test
  void lowestAdaptedLayerGetsOnlyWhatItsAdaptersNeed() {
    // layer 0 has no adapter: no backward there; layer 1 adapts k (needs attention backward, not dx) and down
    LlamaConfig c = TinyModels.config(23, 16, 24, 3, 4, 2, false);
    LlamaModel model = new LlamaModel(TinyModels.weights(c, D, 21));
    LoraAdapter ad = TinyModels.adapter(c, new LoraSpec(2, 2, 0, Set.of("k_proj", "down_proj", "gate_proj"), List.of(1, 2), true), D, 22);
    checkAgainstFiniteDifferences(model, List.of(), ad, packedAndPadded(new Random(2), c.vocabSize()), 0, 2);
    LoraAdapter onlyDown = TinyModels.adapter(c, TinyModels.spec(2, 2, 0, Set.of("down_proj", "o_proj"), List.of(1)), D, 23);
    checkAgainstFiniteDifferences(model, List.of(), onlyDown, packedAndPadded(new Random(3), c.vocabSize()), 0, 3);
  }

  @Test
  void tiedEmbeddingsAndAttentionBiasGradients() {
    LlamaConfig c = TinyModels.config(19, 16, 20, 1, 2, 2, true);
    LlamaModel model = new LlamaModel(TinyModels.withAttentionBias(TinyModels.weights(c, D, 31), 33));
    LoraAdapter ad = TinyModels.adapter(c, TinyModels.spec(2, 2, 0, Set.of("v_proj", "up_proj"), null), D, 32);
    checkAgainstFiniteDifferences(model, List.of(), ad, packedAndPadded(new Random(4), c.vocabSize()), 0, 3);
  }

  @Test
  void aStackedAdapterGivesTheLogitsLossAndGradientsOfTheBaseWithItMerged() {
    // training beside a frozen adapter (model.adapters mode = stack) must be training on the merged base:
    // W x + s_f B_f A_f x == (W + s_f B_f A_f) x, so logits, loss and the trained adapter's gradients agree
    LlamaConfig c = TinyModels.gqa();
    LlamaModel base = new LlamaModel(TinyModels.weights(c, D, 51));
    LoraAdapter frozen = TinyModels.adapter(c, TinyModels.spec(3, 6, 0, Set.of("q_proj", "v_proj", "down_proj"), null), D, 52);
    LoraAdapter trained = TinyModels.adapter(c, TinyModels.spec(2, 4, 0.2, Set.of("q_proj", "o_proj", "up_proj"), null), D, 53);
    LlamaModel merged = new LlamaModel(LoraMerge.merge(base.weights(), frozen));
    Batch batch = packedAndPadded(new Random(6), c.vocabSize());

    INDArray stackedLogits = Scoring.logits(base, List.of(frozen), batch), mergedLogits = Scoring.logits(merged, List.of(), batch);
    assertTrue(stackedLogits.sub(Scoring.logits(base, List.of(), batch)).amaxNumber().doubleValue() > 1e-2, "the frozen adapter matters");
    assertEquals(0, stackedLogits.sub(mergedLogits).amaxNumber().doubleValue(), 1e-12, "logits");

    StepResult stacked = ForwardBackward.run(base, List.of(frozen), trained, batch, 7);
    StepResult onMerged = ForwardBackward.run(merged, List.of(), trained, batch, 7);
    assertEquals(onMerged.lossSum(), stacked.lossSum(), 1e-11 * Math.abs(onMerged.lossSum()), "loss");
    assertEquals(onMerged.gradA().keySet(), stacked.gradA().keySet());
    assertEquals(trained.a().keySet(), stacked.gradA().keySet(), "gradients only for the trained adapter");
    for (String path : trained.a().keySet()) {
      assertEquals(0, stacked.gradA().get(path).sub(onMerged.gradA().get(path)).amaxNumber().doubleValue(), 1e-11, "dA " + path);
      assertEquals(0, stacked.gradB().get(path).sub(onMerged.gradB().get(path)).amaxNumber().doubleValue(), 1e-11, "dB " + path);
    }
  }
}
