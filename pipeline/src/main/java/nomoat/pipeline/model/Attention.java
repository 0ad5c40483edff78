package nomoat.pipeline.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Masked scaled-dot-product attention with grouped-query heads, on already-projected, already-rotated q, k, v.
 * Heads layout: qh [B*nh*T, d] viewed as [B*nkv, g*T, d] (the g = nh/nkv query heads that share kv head j are
 * adjacent), kh/vh [B*nkv, T, d]; so every product is ONE batched matmul over the B*nkv kv heads (no repeat of
 * k/v, no per-head call overhead).
 * Causal tiling: query positions are cut into tiles of {@link EngineOptions#attentionTileRows()}; tile r only meets
 * keys [0, end of tile r), so for long sequences the scores never hold the blocks the causal mask would zero anyway.
 * Tile r's scores are [B*nh*rows_r, keys_r]; its additive mask (same shape) holds 0 (attend) or a large negative
 * number (causal, padding, other segment), or is null when nothing is masked.
 * Decoding with a {@link KvCache}: the T new positions follow {@code past} cached ones; their keys and values are
 * written into the cache and the queries meet keys [0, past + end of tile r) from it. Training has past = 0 and no
 * cache, so prefill, one-token steps and training run this same code.
 */
final class Attention {
  private Attention() {}

  /** Large negative added to forbidden scores (finite, so arithmetic on masked entries stays finite). */
  static final double MASKED = -1e9;

  /** qs = q heads pre-multiplied by 1/sqrt(d) [B*nh*T, d]; kh, vh [B*nkv*T, d]; p[r] = tile r's probabilities. */
  record Cache(INDArray qs, INDArray kh, INDArray vh, INDArray[] p) {}

  /** b rows of t new positions after past earlier ones (0 unless decoding); queries in tiles of tile positions. */
  record Shape(int b, int t, int nh, int nkv, int d, int tile, int past) {
    int g() { return nh / nkv; }

    int tiles() { return (t + tile - 1) / tile; }

    /** First query position of tile r; its end (exclusive) is also the number of keys it meets. */
    int start(int r) { return r * tile; }

    int end(int r) { return Math.min(t, (r + 1) * tile); }

    /** Keys tile r's queries meet: every earlier position and the new ones up to the tile's end. */
    int keys(int r) { return past + end(r); }
  }

  /** Rotary tables of q [N, nh*d] and k [N, nkv*d] (the same arrays when nkv == nh). */
  record RopeTables(INDArray cosQ, INDArray sinQ, INDArray cosK, INDArray sinK) {}

  /**
   * q [N, nh*d], k/v [N, nkv*d] (the projections' outputs) -> out [N, nh*d], N = B*T. The rotary embedding of q and k
   * (rope, or none when null) is applied while they are copied into the heads layout. masks[r] is tile r's additive
   * mask. With kv != null (decoding), the new keys and values go into the cache and attention reads all cached
   * positions from it; save must then be null (no backward through a cache).
   */
  static INDArray forward(Gemm gemm, INDArray q, INDArray k, INDArray v, RopeTables rope, INDArray[] masks, Shape s,
                          KvCache.Layer kv, Cache[] save) {
    INDArray qs = Kernels.toHeads(q, rope == null ? null : rope.cosQ, rope == null ? null : rope.sinQ, s.b, s.t, s.nh, s.d, 1.0 / Math.sqrt(s.d));
    INDArray kh = Kernels.toHeads(k, rope == null ? null : rope.cosK, rope == null ? null : rope.sinK, s.b, s.t, s.nkv, s.d, 1.0);
    INDArray vh = toHeads(v, s.b, s.t, s.nkv, s.d);
    INDArray keys = kh, values = vh;                                                            // [B*nkv*(T or capacity), d]
    if (kv != null) {
      if (save != null) throw new IllegalArgumentException("no backward through a key/value cache");
      kv.write(kh, vh, s);
      keys = kv.keys();
      values = kv.values();
    }
    INDArray oh = s.tiles() == 1 ? null : Nd4j.createUninitialized(q.dataType(), (long) s.b * s.nh * s.t, s.d);
    INDArray[] p = new INDArray[s.tiles()];
    for (int r = 0; r < s.tiles(); r++) {
      int rows = s.end(r) - s.start(r), seen = s.keys(r);
      INDArray scores = gemm.bmm(queryTile(qs, r, s), keyPrefix(keys, seen, s), false, true);   // [B*nkv, g*rows, seen]
      INDArray flat = scores.reshape('c', (long) s.b * s.nh * rows, seen);
      p[r] = Kernels.softmaxRows(flat, masks[r], null, 0, null);                                 // softmax(S + mask)
      INDArray o = gemm.bmm(scores, keyPrefix(values, seen, s), false, false);                   // O = P V
      if (oh == null) oh = o.reshape('c', (long) s.b * s.nh * s.t, s.d);
      else putQueryTile(oh, o, r, s);
    }
    if (save != null) save[0] = new Cache(qs, kh, vh, p);
    return fromHeads(oh, s.b, s.t, s.nh, s.d);
  }

  /**
   * dout [N, nh*d] -> {dq [N, nh*d], dk [N, nkv*d], dv [N, nkv*d]}, each null when not asked for; with rope != null,
   * dq and dk are gradients w.r.t. q and k before rotation (see the forward). Training only: past = 0, no cache.
   */
  static INDArray[] backward(Gemm gemm, INDArray dout, Cache c, Shape s, RopeTables rope, boolean needDq, boolean needDk, boolean needDv) {
    double scale = 1.0 / Math.sqrt(s.d);
    long kvRows = (long) s.b * s.nkv * s.t;
    INDArray doh = toHeads(dout, s.b, s.t, s.nh, s.d);
    INDArray dqh = needDq && s.tiles() > 1 ? Nd4j.createUninitialized(dout.dataType(), (long) s.b * s.nh * s.t, s.d) : null;
    INDArray dkh = needDk ? Nd4j.zeros(dout.dataType(), kvRows, s.d) : null;     // summed over the tiles
    INDArray dvh = needDv ? Nd4j.zeros(dout.dataType(), kvRows, s.d) : null;
    for (int r = 0; r < s.tiles(); r++) {
      int rows = s.end(r) - s.start(r), keys = s.end(r);
      INDArray dO = queryTile(doh, r, s), p = c.p[r];
      INDArray p3 = p.reshape('c', (long) s.b * s.nkv, (long) s.g() * rows, keys);
      INDArray dp = gemm.bmm(dO, keyPrefix(c.vh, keys, s), false, true);                       // dP = dO V^T
      if (needDv) addToKeyPrefix(gemm, dvh, p3, dO, true, keys, s);                             // dV += P^T dO
      if (!needDq && !needDk) continue;
      INDArray flat = dp.reshape('c', (long) s.b * s.nh * rows, keys);
      Kernels.softmaxBackward(flat, p);                                                         // dS, in dp
      if (needDq) {                                                                             // dQ = s dS K
        INDArray dq = gemm.bmm(dp, keyPrefix(c.kh, keys, s), false, false);                      // scaled below
        if (dqh == null) dqh = dq.reshape('c', (long) s.b * s.nh * s.t, s.d);
        else putQueryTile(dqh, dq, r, s);
      }
      if (needDk) addToKeyPrefix(gemm, dkh, dp, queryTile(c.qs, r, s), true, keys, s);          // dK += dS^T (sQ)
    }
    return new INDArray[] {
        needDq ? Kernels.fromHeads(dqh, rope == null ? null : rope.cosQ, rope == null ? null : rope.sinQ, s.b, s.t, s.nh, s.d, scale) : null,
        needDk ? Kernels.fromHeads(dkh, rope == null ? null : rope.cosK, rope == null ? null : rope.sinK, s.b, s.t, s.nkv, s.d, 1.0) : null,
        needDv ? fromHeads(dvh, s.b, s.t, s.nkv, s.d) : null};
  }

  /** Tile r of a heads array [B*nh*T, d] as [B*nkv, g*rows, d] (a view when there is one tile, else a copy). */
  static INDArray queryTile(INDArray h, int r, Shape s) {
    if (s.tiles() == 1) return h.reshape('c', (long) s.b * s.nkv, (long) s.g() * s.t, s.d);
    int r0 = s.start(r), r1 = s.end(r);
    return h.reshape('c', (long) s.b * s.nkv, s.g(), s.t, s.d)
        .get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(r0, r1), NDArrayIndex.all())
        .dup('c').reshape('c', (long) s.b * s.nkv, (long) s.g() * (r1 - r0), s.d);
  }

  /** Writes a tile [B*nkv, g*rows, d] into its positions of a heads array [B*nh*T, d]. */
  static void putQueryTile(INDArray h, INDArray tile, int r, Shape s) {
    int r0 = s.start(r), r1 = s.end(r);
    h.reshape('c', (long) s.b * s.nkv, s.g(), s.t, s.d)
        .get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(r0, r1), NDArrayIndex.all())
        .assign(tile.reshape('c', (long) s.b * s.nkv, s.g(), r1 - r0, s.d));
  }

  /** Key positions [0, keys) of a kv heads array [B*nkv*P, d] (P = T, or a cache's capacity) as [B*nkv, keys, d]. */
  static INDArray keyPrefix(INDArray h, int keys, Shape s) {
    long positions = h.rows() / ((long) s.b * s.nkv);
    INDArray h3 = h.reshape('c', (long) s.b * s.nkv, positions, s.d);
    return keys == positions ? h3 : h3.get(NDArrayIndex.all(), NDArrayIndex.interval(0, keys), NDArrayIndex.all()).dup('c');
  }

  /** dst[:, 0:keys, :] += op(a) @ b (batched), dst [B*nkv*T, d], the product [B*nkv, keys, d]. */
  static void addToKeyPrefix(Gemm gemm, INDArray dst, INDArray a, INDArray b, boolean ta, int keys, Shape s) {
    INDArray d3 = dst.reshape('c', (long) s.b * s.nkv, s.t, s.d);
    if (keys == s.t) gemm.bmmInto(a, b, d3, ta, false, 1.0);           // accumulate in the product itself
    else d3.get(NDArrayIndex.all(), NDArrayIndex.interval(0, keys), NDArrayIndex.all()).addi(gemm.bmm(a, b, ta, false));
  }

  /** [B*T, heads*d] -> [B*heads*T, d]. */
  static INDArray toHeads(INDArray x, int b, int t, int heads, int d) {
    return Kernels.toHeads(x, null, null, b, t, heads, d, 1.0);
  }

  /** [B*heads*T, d] -> [B*T, heads*d]. */
  static INDArray fromHeads(INDArray x, int b, int t, int heads, int d) {
    return Kernels.fromHeads(x, null, null, b, t, heads, d, 1.0);
  }
}
