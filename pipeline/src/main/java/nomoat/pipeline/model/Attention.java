package nomoat.pipeline.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Masked scaled-dot-product attention with grouped-query heads, on already-projected, already-rotated q, k, v.
 * q, k, v stay in token layout [B*T, heads*d]; a head is read as a strided [T, d] view (BLAS takes the row
 * stride), and outputs are written in head layout [B*heads*T, d] then permuted back once. Query head h reads
 * kv head h / (nh/nkv).
 * Causal tiling: query rows are cut into tiles of {@code tile} positions and tile r only meets keys
 * [0, end of tile r), so the scores never hold the upper-right blocks that the causal mask would zero anyway.
 * Tile r's scores are one array [B*nh*rows_r, keys_r] so softmax and its backward run once per tile.
 * Its additive mask (same shape) holds 0 (attend) or a large negative number (causal, padding, other segment).
 */
final class Attention {
  private Attention() {}

  /** Large negative added to forbidden scores (finite, so arithmetic on masked entries stays finite). */
  static final double MASKED = -1e9;

  /** Query positions per causal tile (package-private so tests can exercise several tiles on short sequences). */
  static int tileRows = 128;

  record Cache(INDArray q, INDArray k, INDArray v, INDArray[] p) {}

  record Shape(int b, int t, int nh, int nkv, int d, int tile) {
    int g() { return nh / nkv; }

    int tiles() { return (t + tile - 1) / tile; }

    /** First query position of tile r; its end (exclusive) is also the number of keys it meets. */
    int start(int r) { return r * tile; }

    int end(int r) { return Math.min(t, (r + 1) * tile); }
  }

  /** q [N, nh*d], k/v [N, nkv*d] -> out [N, nh*d]. masks[r] is tile r's additive mask. */
  static INDArray forward(INDArray q, INDArray k, INDArray v, INDArray[] masks, Shape s, Cache[] save) {
    double scale = 1.0 / Math.sqrt(s.d);
    INDArray oh = Nd4j.createUninitialized(q.dataType(), (long) s.b * s.nh * s.t, s.d);
    INDArray[] p = new INDArray[s.tiles()];
    for (int r = 0; r < s.tiles(); r++) {
      int r0 = s.start(r), r1 = s.end(r);
      INDArray scores = masks[r].dup('c');                                     // [B*nh*(r1-r0), r1]
      for (int i = 0; i < s.b * s.nh; i++)                                     // S = scale * Q K^T + mask
        Ops.mmInto(queryOf(q, i, r0, r1, s), keysOf(k, i, r1, s), tile(scores, i, r0, r1), false, true, scale, 1.0);
      p[r] = Ops.softmaxRows(scores, scores);
      for (int i = 0; i < s.b * s.nh; i++)                                     // O = P V
        Ops.mmInto(tile(p[r], i, r0, r1), keysOf(v, i, r1, s), query(oh, i, r0, r1, s), false, false, 1.0, 0.0);
    }
    if (save != null) save[0] = new Cache(q, k, v, p);
    return fromHeads(oh, s.b, s.t, s.nh, s.d);
  }

  /** dout [N, nh*d] -> {dq [N, nh*d], dk [N, nkv*d], dv [N, nkv*d]}, each null when not asked for. */
  static INDArray[] backward(INDArray dout, Cache c, Shape s, boolean needDq, boolean needDk, boolean needDv) {
    double scale = 1.0 / Math.sqrt(s.d);
    long kvRows = (long) s.b * s.nkv * s.t;
    INDArray dqh = needDq ? Nd4j.createUninitialized(dout.dataType(), (long) s.b * s.nh * s.t, s.d) : null;
    INDArray dkh = needDk ? Nd4j.zeros(dout.dataType(), kvRows, s.d) : null;  // summed over heads and tiles
    INDArray dvh = needDv ? Nd4j.zeros(dout.dataType(), kvRows, s.d) : null;
    for (int r = 0; r < s.tiles(); r++) {
      int r0 = s.start(r), r1 = s.end(r);
      INDArray p = c.p[r], dp = Nd4j.createUninitialized(dout.dataType(), p.shape());
      for (int i = 0; i < s.b * s.nh; i++) {
        INDArray dO = queryOf(dout, i, r0, r1, s);
        Ops.mmInto(dO, keysOf(c.v, i, r1, s), tile(dp, i, r0, r1), false, true, 1.0, 0.0);         // dP = dO V^T
        if (needDv) Ops.mmInto(tile(p, i, r0, r1), dO, keys(dvh, i, r1, s), true, false, 1.0, 1.0); // dV += P^T dO
      }
      if (!needDq && !needDk) continue;
      INDArray ds = dp.subiColumnVector(Ops.rowDot(dp, p)).muli(p);              // softmax backward
      for (int i = 0; i < s.b * s.nh; i++) {
        INDArray dS = tile(ds, i, r0, r1);
        if (needDq) Ops.mmInto(dS, keysOf(c.k, i, r1, s), query(dqh, i, r0, r1, s), false, false, scale, 0.0); // dQ = s dS K
        if (needDk) Ops.mmInto(dS, queryOf(c.q, i, r0, r1, s), keys(dkh, i, r1, s), true, false, scale, 1.0);  // dK += s dS^T Q
      }
    }
    return new INDArray[] {
        needDq ? fromHeads(dqh, s.b, s.t, s.nh, s.d) : null,
        needDk ? fromHeads(dkh, s.b, s.t, s.nkv, s.d) : null,
        needDv ? fromHeads(dvh, s.b, s.t, s.nkv, s.d) : null};
  }

  /** Positions [r0, r1) of query head i (i = b*nh + h) in token layout [B*T, nh*d]: a strided [r1-r0, d] view. */
  static INDArray queryOf(INDArray x, int i, int r0, int r1, Shape s) {
    long row = (long) (i / s.nh) * s.t, col = (long) (i % s.nh) * s.d;
    return x.get(NDArrayIndex.interval(row + r0, row + r1), NDArrayIndex.interval(col, col + s.d));
  }

  /** Positions [0, r1) of the kv head that query head i reads, in token layout [B*T, nkv*d]. */
  static INDArray keysOf(INDArray x, int i, int r1, Shape s) {
    long row = (long) (i / s.nh) * s.t, col = (long) ((i % s.nh) / s.g()) * s.d;
    return x.get(NDArrayIndex.interval(row, row + r1), NDArrayIndex.interval(col, col + s.d));
  }

  /** Rows [r0, r1) of query head i (i = b*nh + h) in head layout [B*nh*T, d]. */
  static INDArray query(INDArray a, int i, int r0, int r1, Shape s) {
    long base = (long) i * s.t;
    return Ops.rows(a, base + r0, base + r1);
  }

  /** Rows [0, r1) of the kv head that query head i reads, in head layout [B*nkv*T, d]. */
  static INDArray keys(INDArray a, int i, int r1, Shape s) {
    long base = ((long) (i / s.nh) * s.nkv + (i % s.nh) / s.g()) * s.t;
    return Ops.rows(a, base, base + r1);
  }

  /** Query head i's rows of a tile array [B*nh*(r1-r0), r1]. */
  static INDArray tile(INDArray a, int i, int r0, int r1) {
    long n = r1 - r0;
    return Ops.rows(a, i * n, (i + 1) * n);
  }

  /** [B*T, heads*d] -> [B*heads*T, d] (the KV-cache decoder's layout). */
  static INDArray toHeads(INDArray x, int b, int t, int heads, int d) {
    return x.reshape('c', b, t, heads, d).permute(0, 2, 1, 3).dup('c').reshape('c', (long) b * heads * t, d);
  }

  /** [B*heads*T, d] -> [B*T, heads*d]. */
  static INDArray fromHeads(INDArray x, int b, int t, int heads, int d) {
    return x.reshape('c', b, heads, t, d).permute(0, 2, 1, 3).dup('c').reshape('c', (long) b * t, (long) heads * d);
  }
}
