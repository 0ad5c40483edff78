package nomoat.pipeline.model;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.lora.LoraAdapter;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Evaluation: forward only, adapters active without dropout. */
public final class Scoring {
  private Scoring() {}

  /** Loss sum and token count over the batch's trained tokens (no gradients). */
  public static StepResult loss(LlamaModel model, List<LoraAdapter> adapters, Batch batch) {
    double[] lp = tokenLogProbs(model, adapters, batch);
    double sum = 0;
    long n = 0;
    for (double v : lp) if (!Double.isNaN(v)) { sum -= v; n++; }
    return new StepResult(sum, n, Map.of(), Map.of());
  }

  /**
   * log p(labels[p] | tokens before p) for every flat position p [B*T] whose label is trained (aligned with labels);
   * NaN elsewhere.
   */
  public static double[] tokenLogProbs(LlamaModel model, List<LoraAdapter> adapters, Batch batch) {
    model.checkAdapters(adapters, null);
    List<double[]> parts = EngineThreads.overRows(model.options().threads(), batch,     // rows split like training
        (rows, from) -> model.workspaces.step(() -> logProbsInWorkspace(model, adapters, rows)));
    double[] out = new double[batch.numTokens()];
    int at = 0;
    for (double[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  private static double[] logProbsInWorkspace(LlamaModel model, List<LoraAdapter> adapters, Batch batch) {
    INDArray x = hidden(model, adapters, batch);
    int[] rows = batch.lossRows();
    double[] out = new double[batch.numTokens()];
    Arrays.fill(out, Double.NaN);
    if (rows.length == 0) return out;
    int[] targets = batch.targets(rows, model.config().vocabSize());
    double[] nll = CrossEntropy.forwardBackward(model.finalNorm.forward(Nd4j.pullRows(x, 1, rows), null), model.head, targets, null,
        model.gemm, model.workspaces);
    for (int i = 0; i < rows.length; i++) out[rows[i] + 1] = -nll[i];
    return out;
  }

  /** Full logits [B*T, V] (for tests and small batches; training never builds this). */
  public static INDArray logits(LlamaModel model, List<LoraAdapter> adapters, Batch batch) {
    return model.logits(hidden(model, adapters, batch));
  }

  /** Final hidden states before the last norm [B*T, H]. */
  static INDArray hidden(LlamaModel model, List<LoraAdapter> adapters, Batch batch) {
    model.checkAdapters(adapters, null);
    DecoderLayer.Step st = model.step(batch, ActiveLora.collect(adapters, null, 0));
    return model.forward(batch.inputIds(), st, null, 0);
  }
}
