package nomoat.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import nomoat.pipeline.data.TokenizedExample;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Forward-pass identities that must hold exactly or to float tolerance. */
class ModelEquivalenceTest {
  static final Random RND = new Random(17);

  static Batch plain(int b, int t, int vocab) {
    int[] ids = TinyModels.randomIds(RND, b * t, vocab);
    return new Batch(b, t, ids, ids.clone(), null, null, null);
  }

  static double maxAbsDiff(INDArray a, INDArray b) { return a.sub(b).amaxNumber().doubleValue(); }

  @Test
  void freshAdapterWithZeroBGivesExactlyTheBaseLogits() {
    LlamaConfig c = TinyModels.gqa();
    LlamaModel model = new LlamaModel(TinyModels.weights(c, DataType.FLOAT, 1));
    LoraAdapter fresh = LoraInit.create(new LoraSpec(4, 8, 0.1, Set.copyOf(LoraSpec.ALL_MODULES), null, false), c, 9);
    Batch batch = plain(2, 7, c.vocabSize());
    assertEquals(Scoring.logits(model, List.of(), batch), Scoring.logits(model, List.of(fresh), batch));
    // PEFT init: A uniform in +-1/sqrt(in), B zero
    INDArray a = fresh.a().get("model.layers.1.mlp.down_proj");
    double bound = 1 / Math.sqrt(c.intermediateSize());
    assertTrue(a.amaxNumber().doubleValue() <= bound && a.amaxNumber().doubleValue() > 0.9 * bound);
    assertEquals(0.0, fresh.b().get("model.layers.1.mlp.down_proj").amaxNumber().doubleValue());
    assertEquals(LoraInit.create(fresh.spec(), c, 9).a(), fresh.a());
  }

  @Test
  void mergedWeightsGiveTheSameLogitsAsBasePlusAdapters() {
    LlamaConfig c = TinyModels.gqa();
    LlamaWeights w = TinyModels.weights(c, DataType.FLOAT, 2);
    LoraAdapter first = TinyModels.adapter(c, TinyModels.spec(2, 4, 0, Set.of("q_proj", "o_proj", "up_proj"), null), DataType.FLOAT, 3);
    LoraAdapter second = TinyModels.adapter(c, TinyModels.spec(3, 3, 0, Set.copyOf(LoraSpec.ALL_MODULES), List.of(1)), DataType.FLOAT, 4);
    Batch batch = plain(2, 8, c.vocabSize());
    INDArray stacked = Scoring.logits(new LlamaModel(w), List.of(first, second), batch);
    INDArray merged = Scoring.logits(new LlamaModel(LoraMerge.merge(w, first, second)), List.of(), batch);
    INDArray base = Scoring.logits(new LlamaModel(w), List.of(), batch);
    assertTrue(maxAbsDiff(stacked, base) > 1e-2, "adapters must change the logits");
    assertTrue(maxAbsDiff(stacked, merged) < 1e-5, "merged vs stacked: " + maxAbsDiff(stacked, merged));
    // the merged base with a new adapter on top = the stack with that adapter
    INDArray onTop = Scoring.logits(new LlamaModel(LoraMerge.merge(w, first)), List.of(second), batch);
    assertTrue(maxAbsDiff(stacked, onTop) < 1e-5);
    // merging leaves the input weights untouched
    assertEquals(base, Scoring.logits(new LlamaModel(w), List.of(), batch));
  }

  @Test
  void gqaEqualsMhaWithRepeatedKvHeads() {
    LlamaConfig g = TinyModels.gqa();   // 4 heads, 2 kv heads
    LlamaConfig m = TinyModels.config(g.vocabSize(), g.hiddenSize(), g.intermediateSize(), g.numLayers(), 4, 4, false);
    LlamaWeights wg = TinyModels.weights(g, DataType.DOUBLE, 5);
    Map<String, INDArray> t = new TreeMap<>(wg.tensors());
    int d = g.headDim(), rep = g.groupSize();
    for (int i = 0; i < g.numLayers(); i++)
      for (String mod : new String[] {"k_proj", "v_proj"}) {
        String name = LlamaWeights.modulePath(i, mod) + ".weight";
        INDArray kv = wg.get(name);                                // [nkv*d, H]
        INDArray full = Nd4j.create(DataType.DOUBLE, (long) g.numHeads() * d, g.hiddenSize());
        for (int h = 0; h < g.numHeads(); h++)
          for (int r = 0; r < d; r++) full.putRow((long) h * d + r, kv.getRow((long) (h / rep) * d + r));
        t.put(name, full);
      }
    Batch batch = new Batch(2, 6, TinyModels.randomIds(RND, 12, g.vocabSize()), new int[12],
        new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, new int[] {1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1}, null);
    INDArray lg = Scoring.logits(new LlamaModel(wg), List.of(), batch);
    INDArray lm = Scoring.logits(new LlamaModel(new LlamaWeights(m, t)), List.of(), batch);
    assertTrue(maxAbsDiff(lg, lm) < 1e-10);
  }

  @Test
  void tiedEmbeddingsUseTheEmbeddingAsLmHead() {
    LlamaConfig tied = TinyModels.config(19, 16, 20, 2, 4, 2, true);
    LlamaWeights w = TinyModels.weights(tied, DataType.DOUBLE, 6);
    Map<String, INDArray> t = new TreeMap<>(w.tensors());
    t.put("lm_head.weight", w.get("model.embed_tokens.weight").dup());
    LlamaConfig untied = TinyModels.config(19, 16, 20, 2, 4, 2, false);
    Batch batch = plain(1, 5, 19);
    assertEquals(Scoring.logits(new LlamaModel(new LlamaWeights(untied, t)), List.of(), batch),
        Scoring.logits(new LlamaModel(w), List.of(), batch));
  }

  @Test
  void packedRowsGiveTheSameLossAndGradientsAsSeparateExamples() {
    LlamaConfig c = TinyModels.gqa();
    LlamaModel model = new LlamaModel(TinyModels.weights(c, DataType.DOUBLE, 7));
    LoraAdapter ad = TinyModels.adapter(c, TinyModels.spec(2, 4, 0, Set.copyOf(LoraSpec.ALL_MODULES), null), DataType.DOUBLE, 8);
    TokenizedExample e1 = example(new int[] {1, 5, 6, 7, 8}, 2), e2 = example(new int[] {1, 9, 3, 4}, 1), e3 = example(new int[] {1, 2, 3, 4, 5, 6}, 3);
    StepResult packed = ForwardBackward.run(model, List.of(), ad, Batch.packed(List.of(List.of(e1.inputIds(), e2.inputIds()), List.of(e3.inputIds())), List.of(List.of(e1.labels(), e2.labels()), List.of(e3.labels())), 10), 0);
    StepResult separate = ForwardBackward.run(model, List.of(), ad, padded(List.of(e1, e2, e3), 7), 0);
    assertEquals(e1.numTrainedTokens() + e2.numTrainedTokens() + e3.numTrainedTokens(), separate.tokenCount());
    assertEquals(separate.tokenCount(), packed.tokenCount());
    assertEquals(separate.lossSum(), packed.lossSum(), 1e-10);
    for (String p : ad.a().keySet()) {
      assertTrue(maxAbsDiff(separate.gradA().get(p), packed.gradA().get(p)) < 1e-10, p);
      assertTrue(maxAbsDiff(separate.gradB().get(p), packed.gradB().get(p)) < 1e-10, p);
    }
    // the mean over the batch is what Scoring reports too
    assertEquals(separate.lossSum(), Scoring.loss(model, List.of(ad), padded(List.of(e1, e2, e3), 7)).lossSum(), 1e-10);
  }

  @Test
  void shardingAcrossThreadsKeepsLossGradientsAndDropoutMasks() {
    LlamaConfig c = TinyModels.gqa();
    LlamaWeights w = TinyModels.weights(c, DataType.DOUBLE, 9);
    LlamaModel model = new LlamaModel(w, EngineOptions.defaults().withThreads(1));
    LlamaModel threeThreads = new LlamaModel(w, EngineOptions.defaults().withThreads(3));
    LoraAdapter ad = TinyModels.adapter(c, TinyModels.spec(2, 4, 0.3, Set.copyOf(LoraSpec.ALL_MODULES), null), DataType.DOUBLE, 10);
    int[] ids = TinyModels.randomIds(RND, 3 * 6, c.vocabSize());
    Batch batch = new Batch(3, 6, ids, ids.clone(), null, null, null);
    StepResult one = ForwardBackward.run(model, List.of(), ad, batch, 5);
    double[] lpOne = Scoring.tokenLogProbs(model, List.of(ad), batch);
    StepResult three = ForwardBackward.run(threeThreads, List.of(), ad, batch, 5);
    double[] lpThree = Scoring.tokenLogProbs(threeThreads, List.of(ad), batch);
    org.junit.jupiter.api.Assertions.assertArrayEquals(lpOne, lpThree, 1e-12);
    assertEquals(one.tokenCount(), three.tokenCount());
    assertEquals(one.lossSum(), three.lossSum(), 1e-10);
    for (String p : ad.a().keySet()) {
      assertTrue(maxAbsDiff(one.gradA().get(p), three.gradA().get(p)) < 1e-10, p);
      assertTrue(maxAbsDiff(one.gradB().get(p), three.gradB().get(p)) < 1e-10, p);
    }
    assertTrue(Math.abs(one.lossSum() - ForwardBackward.run(model, List.of(), ad, batch, 6).lossSum()) > 1e-6, "dropout follows the seed");
  }

  @Test
  void adaptersThatDoNotFitTheModelAreRefused() {
    LlamaConfig c = TinyModels.gqa();
    LlamaModel model = new LlamaModel(TinyModels.weights(c, DataType.FLOAT, 1));
    LlamaConfig bigger = TinyModels.config(23, 16, 24, 3, 4, 2, false);
    LoraAdapter tooDeep = TinyModels.adapter(bigger, TinyModels.spec(2, 2, 0, Set.of("q_proj"), List.of(2)), DataType.FLOAT, 1);
    Batch batch = plain(1, 4, c.vocabSize());
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> ForwardBackward.run(model, List.of(), tooDeep, batch, 0));
    assertTrue(e.getMessage().contains("model.layers.2.self_attn.q_proj"), e.getMessage());
    LlamaConfig wider = TinyModels.config(23, 32, 24, 2, 4, 2, false);
    LoraAdapter wrongShape = TinyModels.adapter(wider, TinyModels.spec(2, 2, 0, Set.of("v_proj"), null), DataType.FLOAT, 1);
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Scoring.loss(model, List.of(wrongShape), batch));
    LoraAdapter doubles = TinyModels.adapter(c, TinyModels.spec(2, 2, 0, Set.of("v_proj"), null), DataType.DOUBLE, 1);
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ForwardBackward.run(model, List.of(doubles), null, batch, 0));
    Batch badLabel = new Batch(1, 3, new int[] {1, 2, 3}, new int[] {Batch.IGNORE, 5, 999}, null, null, null);
    e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Scoring.loss(model, List.of(), badLabel));
    assertTrue(e.getMessage().contains("999"), e.getMessage());
  }

  /** The data pipeline's examples as an engine batch (the engine knows only token arrays). */
  static Batch padded(List<TokenizedExample> examples, int seqLen) {
    assertEquals(TokenizedExample.IGNORE, Batch.IGNORE);
    return Batch.of(examples.stream().map(TokenizedExample::inputIds).toList(), examples.stream().map(TokenizedExample::labels).toList(), seqLen);
  }

  /** Tokens before promptLen are the prompt (not trained); the first token can never be a target. */
  static TokenizedExample example(int[] ids, int promptLen) {
    int[] labels = ids.clone();
    for (int i = 0; i < promptLen; i++) labels[i] = TokenizedExample.IGNORE;
    return new TokenizedExample("e" + ids.length, "test", ids, labels, false);
  }
}
