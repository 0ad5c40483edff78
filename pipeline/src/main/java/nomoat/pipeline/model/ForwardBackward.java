package nomoat.pipeline.model;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.lora.LoraAdapter;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One training micro-step: forward over the batch, summed next-token cross-entropy, backward into the trainable
 * adapter only. Frozen adapters add their deltas. Nothing is computed below the lowest trained layer.
 */
public final class ForwardBackward {
  private ForwardBackward() {}

  /**
   * @param frozen    adapters whose deltas are active but not trained (may be empty)
   * @param trainable the adapter to differentiate (its dropout is applied, seeded by {@code seed})
   * @param seed      dropout seed: the same (batch, seed) gives the same result
   */
  public static StepResult run(LlamaModel model, List<LoraAdapter> frozen, LoraAdapter trainable, Batch batch, long seed) {
    Map<String, ActiveLora> lora = ActiveLora.collect(frozen, trainable, seed);
    DecoderLayer.Step st = model.step(batch, lora);
    List<DecoderLayer> layers = model.layers;
    int lowest = layers.size();
    for (DecoderLayer l : layers) if (l.trained(lora)) { lowest = l.index; break; }

    // forward: x [N, H]
    DecoderLayer.Cache[][] caches = new DecoderLayer.Cache[layers.size()][];
    INDArray x = model.embed(batch.inputIds());
    for (DecoderLayer l : layers) {
      caches[l.index] = l.index >= lowest ? new DecoderLayer.Cache[1] : null;
      x = l.forward(x, st, caches[l.index]);
    }
    // loss on the rows that predict a trained token
    int[] rows = batch.lossRows();
    Map<String, INDArray> gA = new TreeMap<>(), gB = new TreeMap<>();
    Grads grads = new Grads();
    double lossSum = 0;
    if (rows.length > 0) {
      int[] targets = new int[rows.length];
      for (int i = 0; i < rows.length; i++) targets[i] = batch.labels()[rows[i] + 1];
      RmsNorm.Cache[] nc = new RmsNorm.Cache[1];
      INDArray hn = model.finalNorm.forward(Nd4j.pullRows(x, 1, rows), nc);          // [M, H]
      boolean backward = lowest < layers.size();
      INDArray dhn = backward ? Nd4j.createUninitialized(hn.dataType(), hn.shape()) : null;
      for (double v : CrossEntropy.forwardBackward(hn, model.head, targets, dhn)) lossSum += v;
      if (backward) {
        INDArray dsel = model.finalNorm.backward(dhn, nc[0]);                         // [M, H]
        int[] map = new int[batch.numTokens()];
        java.util.Arrays.fill(map, rows.length);                                      // -> zero row
        for (int i = 0; i < rows.length; i++) map[rows[i]] = i;
        INDArray dx = Ops.gatherRowsOrZero(dsel, map);                                // [N, H]
        for (int i = layers.size() - 1; i >= lowest; i--)
          dx = layers.get(i).backward(dx, caches[i][0], st, i > lowest, grads);
      }
    }
    if (trainable != null)
      for (String path : trainable.a().keySet()) {
        gA.put(path, grads.a(path, trainable.a().get(path)));
        gB.put(path, grads.b(path, trainable.b().get(path)));
      }
    return new StepResult(lossSum, rows.length, gA, gB);
  }
}
