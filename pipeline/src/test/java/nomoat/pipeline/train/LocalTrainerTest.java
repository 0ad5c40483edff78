package nomoat.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import nomoat.pipeline.data.TokenizedExample;
import nomoat.pipeline.format.LoadedModel;
import nomoat.pipeline.format.ModelLoader;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.Batch;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** LoRA training of the real pretrained stories260K model on a small synthetic instruction task. */
class LocalTrainerTest {
  private static final LoraSpec SPEC = new LoraSpec(8, 16, 0.05, Set.copyOf(LoraSpec.ALL_MODULES), null, false);
  private static final int STEPS = 20;
  private static LlamaModel model;
  private static List<Batch> train, heldOut;

  @BeforeAll
  static void load() throws Exception {
    LoadedModel m = ModelLoader.load(new Configuration(), Fixtures.stories260K().toString());
    model = new LlamaModel(m.weights());
    List<String[]> trainPairs = SyntheticColorTask.pairs(1, 64, Set.of());
    Set<String> trainPrompts = new java.util.HashSet<>();
    trainPairs.forEach(p -> trainPrompts.add(p[0]));
    try (SyntheticColorTask task = new SyntheticColorTask(m.tokenizerJson(), m.config().bosTokenId(), m.config().eosTokenIds().get(0))) {
      train = batches(task.tokenizeAll(trainPairs), 4);
      heldOut = batches(task.tokenizeAll(SyntheticColorTask.pairs(2, 16, trainPrompts)), 8);
    }
  }

  private static List<Batch> batches(List<TokenizedExample> examples, int size) {
    int seqLen = examples.stream().mapToInt(TokenizedExample::numTokens).max().orElseThrow();
    List<Batch> out = new ArrayList<>();
    for (int i = 0; i < examples.size(); i += size) {
      List<TokenizedExample> rows = examples.subList(i, Math.min(examples.size(), i + size));
      out.add(Batch.of(rows.stream().map(TokenizedExample::inputIds).toList(), rows.stream().map(TokenizedExample::labels).toList(), seqLen));
    }
    return out;
  }

  private static LocalTrainer trainer(LoraAdapter adapter, long totalSteps) {
    return new LocalTrainer(model, adapter, new LocalTrainer.Settings(AdamW.withWeightDecay(0.01),
        new LrSchedule(LrSchedule.Kind.COSINE, 1e-2, 4, totalSteps), 1.0, 42));
  }

  @Test // ~5 s (20 steps x 8 examples)
  void trainingLowersHeldOutLossOfTheTask() {
    LoraAdapter adapter = nomoat.pipeline.model.LoraInit.create(SPEC, model.config(), 7, DataType.FLOAT);
    LocalTrainer t = trainer(adapter, STEPS);
    double before = t.evaluate(heldOut);
    assertEquals(before, LocalTrainer.meanLoss(model, List.of(), heldOut), 1e-4, "B = 0: the adapter starts as a no-op");
    LocalTrainer.StepMetrics first = null, last = null;
    for (int s = 0; s < STEPS; s++) {
      // two micro-batches of 4 per step: gradient accumulation over the 16 training batches
      last = t.step(List.of(train.get((2 * s) % train.size()), train.get((2 * s + 1) % train.size())));
      if (first == null) first = last;
      assertFalse(last.skipped());
    }
    double after = t.evaluate(heldOut);
    assertEquals(0.0, first.lr(), 0, "warmup starts at lr 0 as HF does");
    assertEquals(STEPS, t.state().step());
    System.out.printf("stories260K synthetic task: held-out loss %.4f -> %.4f, train loss %.4f -> %.4f%n", before, after,
        first.loss(), last.loss());
    assertTrue(last.loss() < first.loss(), "training loss falls: " + first.loss() + " -> " + last.loss());
    assertTrue(after < 0.7 * before, "held-out loss should drop by > 30%: " + before + " -> " + after);
  }

  @Test
  void workersTimesMicroBatchesMatchOneWorkerWithAccumulation() {
    LoraAdapter adapter = nomoat.pipeline.model.LoraInit.create(SPEC, model.config(), 7, DataType.FLOAT);
    adapter.b().values().forEach(b -> b.assign(0.01)); // non-zero B so A gets gradients too
    List<Batch> four = train.subList(0, 4);
    GradAccumulator single = LocalTrainer.accumulate(model, List.of(), adapter, four, 42, 3, 0);
    GradAccumulator w0 = LocalTrainer.accumulate(model, List.of(), adapter, four.subList(0, 2), 42, 3, 0);
    GradAccumulator w1 = LocalTrainer.accumulate(model, List.of(), adapter, four.subList(2, 4), 42, 3, 2);
    GradAccumulator reduced = GradAccumulator.fromBytes(w1.toBytes()).merge(GradAccumulator.fromBytes(w0.toBytes()));
    assertEquals(single.tokens(), reduced.tokens());
    assertEquals(single.meanLoss(), reduced.meanLoss(), 1e-9);
    Map<String, INDArray> g1 = single.meanGradients(DataType.FLOAT), g2 = reduced.meanGradients(DataType.FLOAT);
    assertEquals(g1.keySet(), g2.keySet());
    assertEquals(2 * 7 * model.config().numLayers(), g1.size());
    for (String k : g1.keySet()) {
      assertTrue(g1.get(k).norm2Number().doubleValue() > 0, "gradient of " + k + " is non-zero");
      assertArrayEquals(g1.get(k).data().asFloat(), g2.get(k).data().asFloat(), 1e-6f, k);
    }
  }

  @Test
  void resumingFromSavedStateReproducesTheUninterruptedRun() {
    LoraAdapter straight = nomoat.pipeline.model.LoraInit.create(SPEC, model.config(), 9, DataType.FLOAT);
    LocalTrainer a = trainer(straight, 6);
    for (int s = 0; s < 6; s++) a.step(List.of(train.get(s % train.size())));

    LoraAdapter first = nomoat.pipeline.model.LoraInit.create(SPEC, model.config(), 9, DataType.FLOAT);
    LocalTrainer b = trainer(first, 6);
    for (int s = 0; s < 3; s++) b.step(List.of(train.get(s % train.size())));
    byte[] saved = b.state().toBytes();
    LoraAdapter resumedAdapter = copy(first);
    LocalTrainer c = new LocalTrainer(model, List.of(), resumedAdapter, OptimizerState.fromBytes(saved),
        new LocalTrainer.Settings(AdamW.withWeightDecay(0.01), new LrSchedule(LrSchedule.Kind.COSINE, 1e-2, 4, 6), 1.0, 42));
    for (int s = 3; s < 6; s++) c.step(List.of(train.get(s % train.size())));

    Map<String, INDArray> p1 = AdapterParams.of(straight), p2 = AdapterParams.of(resumedAdapter);
    for (String k : p1.keySet()) assertArrayEquals(p1.get(k).data().asFloat(), p2.get(k).data().asFloat(), 1e-6f, k);
  }

  private static LoraAdapter copy(LoraAdapter a) {
    Map<String, INDArray> ca = new TreeMap<>(), cb = new TreeMap<>();
    a.a().forEach((k, v) -> ca.put(k, v.dup()));
    a.b().forEach((k, v) -> cb.put(k, v.dup()));
    return new LoraAdapter(a.spec(), ca, cb);
  }
}
