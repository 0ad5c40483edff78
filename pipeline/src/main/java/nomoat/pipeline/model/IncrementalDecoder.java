package nomoat.pipeline.model;

import java.util.List;
import java.util.Map;
import nomoat.pipeline.lora.LoraAdapter;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inference over one sequence with a key/value cache: feed the prompt once, then one token at a time.
 * Adapters are active (no dropout). Cache per layer: k, v [nkv * capacity, d], kv head j in rows j*capacity + pos.
 * Not thread-safe (one decoder per sequence); the model itself is shared.
 */
public final class IncrementalDecoder {
  private final LlamaModel model;
  private final Map<String, ActiveLora> lora;
  private final int capacity;
  private final INDArray[] keys, values;
  private int length;

  public IncrementalDecoder(LlamaModel model, List<LoraAdapter> adapters, int capacity) {
    this.model = model;
    model.checkAdapters(adapters, null);
    this.lora = ActiveLora.collect(adapters, null, 0);
    this.capacity = capacity;
    LlamaConfig c = model.config();
    keys = new INDArray[c.numLayers()];
    values = new INDArray[c.numLayers()];
    for (int i = 0; i < c.numLayers(); i++) {
      keys[i] = Nd4j.create(model.dataType(), (long) c.numKvHeads() * capacity, c.headDim());
      values[i] = Nd4j.create(model.dataType(), (long) c.numKvHeads() * capacity, c.headDim());
    }
  }

  /** Tokens seen so far. */
  public int length() { return length; }

  /** Appends tokens at the next positions and returns the logits [V] that follow the last of them. */
  public double[] feed(int... tokens) {
    int tq = tokens.length, p0 = length, len = p0 + tq;
    if (tq == 0) throw new IllegalArgumentException("nothing to feed");
    if (len > capacity) throw new IllegalStateException("sequence of " + len + " tokens exceeds the cache capacity " + capacity);
    LlamaConfig c = model.config();
    int nh = c.numHeads(), nkv = c.numKvHeads(), d = c.headDim(), g = c.groupSize();
    int[] pos = new int[tq];
    for (int i = 0; i < tq; i++) pos[i] = p0 + i;
    INDArray[] rq = model.rope(pos, nh), rk = nkv == nh ? rq : model.rope(pos, nkv);
    INDArray mask = null;                                                    // [g*tq, len]: causal inside the new block
    if (tq > 1) {
      double[] m = new double[g * tq * len];
      for (int r = 0; r < g * tq; r++)
        for (int k = p0 + r % tq + 1; k < len; k++) m[r * len + k] = Attention.MASKED;
      mask = Ops.fromDoubles(m, model.dataType(), (long) g * tq, len);
    }
    double scale = 1.0 / Math.sqrt(d);
    INDArray x = model.embed(tokens);                                        // [tq, H]
    for (DecoderLayer l : model.layers) {
      INDArray h = l.inputNorm.forward(x, null);
      // heads layout, q and k rotated on the way (as in training)
      INDArray qh = Kernels.toHeads(l.q.forward(h, lora.get(l.q.path), null), rq[0], rq[1], 1, tq, nh, d, 1.0);
      INDArray kh = Kernels.toHeads(l.k.forward(h, lora.get(l.k.path), null), rk[0], rk[1], 1, tq, nkv, d, 1.0);
      INDArray vh = Attention.toHeads(l.v.forward(h, lora.get(l.v.path), null), 1, tq, nkv, d);
      INDArray kc = keys[l.index], vc = values[l.index];
      INDArray oh = Nd4j.createUninitialized(x.dataType(), (long) nh * tq, d);
      for (int j = 0; j < nkv; j++) {
        long at = (long) j * capacity;
        Ops.rows(kc, at + p0, at + len).assign(Ops.rows(kh, (long) j * tq, (long) (j + 1) * tq));
        Ops.rows(vc, at + p0, at + len).assign(Ops.rows(vh, (long) j * tq, (long) (j + 1) * tq));
        INDArray qb = Ops.rows(qh, (long) j * g * tq, (long) (j + 1) * g * tq);        // [g*tq, d]
        INDArray s = mask == null ? Nd4j.createUninitialized(x.dataType(), (long) g * tq, len) : mask.dup('c');
        Ops.mmInto(qb, Ops.rows(kc, at, at + len), s, false, true, scale, mask == null ? 0.0 : 1.0);
        Ops.softmaxRows(s, s);
        Ops.mmInto(s, Ops.rows(vc, at, at + len), Ops.rows(oh, (long) j * g * tq, (long) (j + 1) * g * tq), false, false, 1.0, 0.0);
      }
      INDArray x2 = l.o.forward(Attention.fromHeads(oh, 1, tq, nh, d), lora.get(l.o.path), null).addi(x);
      x = l.mlp.forward(l.postNorm.forward(x2, null), lora, null).addi(x2);
    }
    length = len;
    INDArray last = model.finalNorm.forward(Ops.rows(x, tq - 1, tq), null);   // [1, H]
    return Ops.mm(last, model.head, false, true).toDoubleVector();
  }
}
