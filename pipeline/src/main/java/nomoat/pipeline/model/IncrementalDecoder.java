package nomoat.pipeline.model;

import java.util.List;
import java.util.Map;
import nomoat.pipeline.lora.LoraAdapter;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Inference over one sequence with a key/value cache: feed the prompt once, then one token at a time. Both run the
 * model's one forward ({@link LlamaModel#forward}) with the cache: the new tokens see every cached position and,
 * causally, each other. Adapters are active (no dropout).
 * Not thread-safe (one decoder per sequence); the model itself is shared.
 */
public final class IncrementalDecoder {
  private final LlamaModel model;
  private final Map<String, ActiveLora> lora;
  private final KvCache cache;
  private int length;

  public IncrementalDecoder(LlamaModel model, List<LoraAdapter> adapters, int capacity) {
    this.model = model;
    model.checkAdapters(adapters, null);
    this.lora = ActiveLora.collect(adapters, null, 0);
    this.cache = new KvCache(model.config(), model.dataType(), 1, capacity);
  }

  /** Tokens seen so far. */
  public int length() { return length; }

  /** Appends tokens at the next positions and returns the logits [V] that follow the last of them. */
  public double[] feed(int... tokens) {
    int tq = tokens.length;
    if (tq == 0) throw new IllegalArgumentException("nothing to feed");
    if (length + tq > cache.capacity)
      throw new IllegalStateException("sequence of " + (length + tq) + " tokens exceeds the cache capacity " + cache.capacity);
    INDArray x = model.forward(tokens, model.decodeStep(length, tq, lora, cache), null, 0);   // [tq, H]
    length += tq;
    return model.logits(Ops.rows(x, tq - 1, tq)).toDoubleVector();
  }
}
