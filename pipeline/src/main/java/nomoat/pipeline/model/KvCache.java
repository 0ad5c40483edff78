package nomoat.pipeline.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keys and values of every position decoded so far, per layer, in the attention's heads layout with room for
 * {@code capacity} positions: k, v [B*nkv*capacity, d], position p of kv head j of row b in row
 * (b*nkv + j)*capacity + p. Keys are stored rotated, as attention uses them. The decoder's forward writes the new
 * positions into it ({@link Layer#write}) and attends over all positions so far.
 */
final class KvCache {
  final int batch, capacity;
  private final INDArray[] keys, values;

  KvCache(LlamaConfig c, org.nd4j.linalg.api.buffer.DataType dt, int batch, int capacity) {
    if (capacity < 1) throw new IllegalArgumentException("cache capacity must be >= 1, got " + capacity);
    this.batch = batch;
    this.capacity = capacity;
    keys = new INDArray[c.numLayers()];
    values = new INDArray[c.numLayers()];
    for (int i = 0; i < c.numLayers(); i++) {
      keys[i] = Nd4j.create(dt, (long) batch * c.numKvHeads() * capacity, c.headDim());
      values[i] = Nd4j.create(dt, (long) batch * c.numKvHeads() * capacity, c.headDim());
    }
  }

  /** Layer i's part of the cache. */
  Layer layer(int i) { return new Layer(keys[i], values[i], capacity); }

  /** One layer's keys and values [B*nkv*capacity, d]. */
  record Layer(INDArray keys, INDArray values, int capacity) {
    /** Writes the step's keys and values kh, vh [B*nkv*T, d] at positions [s.past, s.past + T). */
    void write(INDArray kh, INDArray vh, Attention.Shape s) {
      if (s.past() + s.t() > capacity)
        throw new IllegalStateException("sequence of " + (s.past() + s.t()) + " tokens exceeds the cache capacity " + capacity);
      for (long head = 0; head < (long) s.b() * s.nkv(); head++) {
        long at = head * capacity + s.past(), from = head * s.t();
        Ops.rows(keys, at, at + s.t()).assign(Ops.rows(kh, from, from + s.t()));
        Ops.rows(values, at, at + s.t()).assign(Ops.rows(vh, from, from + s.t()));
      }
    }
  }
}
