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
    model.checkAdapters(frozen, trainable);
    List<StepResult> parts = EngineThreads.overRows(model.options().threads(), batch,
        (rows, from) -> runRows(model, frozen, trainable, rows, seed, (long) from * batch.seqLen()));
    StepResult r = parts.get(0);
    for (int i = 1; i < parts.size(); i++) {
      StepResult p = parts.get(i);
      r.gradA().forEach((k, g) -> Kernels.addInPlace(g, p.gradA().get(k)));
      r.gradB().forEach((k, g) -> Kernels.addInPlace(g, p.gradB().get(k)));
      r = new StepResult(r.lossSum() + p.lossSum(), r.tokenCount() + p.tokenCount(), r.gradA(), r.gradB());
    }
    return r;
  }

  /** One shard on the calling thread; firstToken is the shard's offset in the whole batch (for dropout masks). */
  static StepResult runRows(LlamaModel model, List<LoraAdapter> frozen, LoraAdapter trainable, Batch batch, long seed, long firstToken) {
    Grads grads = new Grads();                       // outside any workspace: these escape to the caller
    if (trainable != null)
      try (org.nd4j.linalg.api.memory.MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        for (String path : trainable.a().keySet()) {
          grads.a(path, trainable.a().get(path));
          grads.b(path, trainable.b().get(path));
        }
      }
    double lossSum = model.workspaces.step(() -> lossAndBackward(model, ActiveLora.collect(frozen, trainable, seed, firstToken), batch, grads));
    return new StepResult(lossSum, batch.lossRows().length, new TreeMap<>(grads.dA), new TreeMap<>(grads.dB));
  }

  /** Returns the loss sum; accumulates adapter gradients into grads. */
  private static double lossAndBackward(LlamaModel model, Map<String, ActiveLora> lora, Batch batch, Grads grads) {
    DecoderLayer.Step st = model.step(batch, lora);
    List<DecoderLayer> layers = model.layers;
    int lowest = layers.size();
    for (DecoderLayer l : layers) if (l.trains(lora)) { lowest = l.index; break; }

    // forward, keeping what backward needs from the lowest trained layer up: x [N, H]. With recomputation only the
    // layers' inputs are kept, and each layer's forward runs again right before its backward.
    boolean recompute = model.options().recompute();
    DecoderLayer.Cache[] caches = recompute ? null : new DecoderLayer.Cache[layers.size()];
    INDArray[] inputs = recompute ? new INDArray[layers.size()] : null;
    INDArray x = recompute ? model.forwardKeepingInputs(batch.inputIds(), st, inputs, lowest)
        : model.forward(batch.inputIds(), st, caches, lowest);
    // loss on the rows that predict a trained token
    int[] rows = batch.lossRows();
    double lossSum = 0;
    if (rows.length > 0) {
      int[] targets = batch.targets(rows, model.config().vocabSize());
      RmsNorm.Cache[] nc = new RmsNorm.Cache[1];
      INDArray hn = model.finalNorm.forward(Nd4j.pullRows(x, 1, rows), nc);          // [M, H]
      boolean backward = lowest < layers.size();
      INDArray dhn = backward ? Nd4j.createUninitialized(hn.dataType(), hn.shape()) : null;
      for (double v : CrossEntropy.forwardBackward(hn, model.head, targets, dhn, model.gemm, model.workspaces)) lossSum += v;
      if (backward) {
        INDArray dsel = model.finalNorm.backward(dhn, nc[0]);                         // [M, H]
        INDArray dx = Buffers.scatterRows(dsel, rows, batch.numTokens());             // [N, H], zero where no loss
        // dx [N, H] lives in two step buffers taking turns: a layer writes its dx into the one its upper layer's
        // backward has finished reading (only the layer below reads it)
        INDArray spare = Nd4j.createUninitialized(dx.dataType(), dx.shape());
        for (int i = layers.size() - 1; i >= lowest; i--) {
          // each layer's backward temporaries live in the phase workspace, reused by the next layer
          DecoderLayer l = layers.get(i);
          INDArray dy = dx, dxOut = spare;
          boolean needDx = i > lowest;
          INDArray in = recompute ? inputs[i] : null;
          DecoderLayer.Cache saved = recompute ? null : caches[i];
          dx = model.workspaces.run(Workspaces.PHASE, () -> {
            DecoderLayer.Cache c = saved;
            if (c == null) {                                  // recompute the layer's forward from its input
              DecoderLayer.Cache[] again = new DecoderLayer.Cache[1];
              l.forward(in, st, again);
              c = again[0];
            }
            INDArray d = l.backward(dy, c, st, needDx, grads);
            return d == null ? null : dxOut.assign(d);
          });
          spare = dy;
        }
      }
    }
    return lossSum;
  }
}
