package nomoat.pipeline.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Masked scaled-dot-product attention with grouped-query heads, on already-projected, already-rotated q, k, v.
 * Heads are laid out as 2D row blocks: qh [B*nh*T, d], kh/vh [B*nkv*T, d]. The g = nh/nkv query heads sharing
 * key/value head j are adjacent, so each (b, j) is one gemm of [g*T, d] x [d, T] (no repeat of k/v).
 * The additive mask [B*nh*T, T] holds 0 (attend) or a large negative number (causal, padding, other segment).
 */
final class Attention {
  private Attention() {}

  /** Large negative added to forbidden scores; finite so a fully masked row stays finite (uniform). */
  static final double MASKED = -1e9;

  record Cache(INDArray qh, INDArray kh, INDArray vh, INDArray p) {}

  record Shape(int b, int t, int nh, int nkv, int d) {
    int g() { return nh / nkv; }
  }

  /** q [N, nh*d], k/v [N, nkv*d] -> out [N, nh*d]. */
  static INDArray forward(INDArray q, INDArray k, INDArray v, INDArray mask, Shape s, Cache[] save) {
    INDArray qh = toHeads(q, s.b, s.t, s.nh, s.d), kh = toHeads(k, s.b, s.t, s.nkv, s.d), vh = toHeads(v, s.b, s.t, s.nkv, s.d);
    double scale = 1.0 / Math.sqrt(s.d);
    INDArray scores = mask.dup('c');                                           // [B*nh*T, T]
    for (int b = 0; b < s.b; b++)
      for (int j = 0; j < s.nkv; j++)
        Ops.mmInto(qBlock(qh, b, j, s), kvBlock(kh, b, j, s), qBlock(scores, b, j, s), false, true, scale, 1.0);
    INDArray p = Ops.softmaxRowsInPlace(scores);
    INDArray oh = Nd4j.createUninitialized(q.dataType(), (long) s.b * s.nh * s.t, s.d);
    for (int b = 0; b < s.b; b++)
      for (int j = 0; j < s.nkv; j++)
        Ops.mmInto(qBlock(p, b, j, s), kvBlock(vh, b, j, s), qBlock(oh, b, j, s), false, false, 1.0, 0.0);
    if (save != null) save[0] = new Cache(qh, kh, vh, p);
    return fromHeads(oh, s.b, s.t, s.nh, s.d);
  }

  /** dout [N, nh*d] -> {dq [N, nh*d], dk [N, nkv*d], dv [N, nkv*d]}, each null when not asked for. */
  static INDArray[] backward(INDArray dout, Cache c, Shape s, boolean needDq, boolean needDk, boolean needDv) {
    double scale = 1.0 / Math.sqrt(s.d);
    INDArray doh = toHeads(dout, s.b, s.t, s.nh, s.d);
    INDArray dp = Nd4j.createUninitialized(dout.dataType(), c.p.shape());
    INDArray dvh = needDv ? Nd4j.createUninitialized(dout.dataType(), c.vh.shape()) : null;
    for (int b = 0; b < s.b; b++)
      for (int j = 0; j < s.nkv; j++) {
        INDArray dO = qBlock(doh, b, j, s);
        Ops.mmInto(dO, kvBlock(c.vh, b, j, s), qBlock(dp, b, j, s), false, true, 1.0, 0.0);     // dP = dO V^T
        if (needDv) Ops.mmInto(qBlock(c.p, b, j, s), dO, kvBlock(dvh, b, j, s), true, false, 1.0, 0.0); // dV = P^T dO
      }
    if (!needDq && !needDk) return new INDArray[] {null, null, needDv ? fromHeads(dvh, s.b, s.t, s.nkv, s.d) : null};
    INDArray rowDot = Ops.rowDot(dp, c.p);                                     // [rows, 1]
    INDArray ds = dp.subiColumnVector(rowDot).muli(c.p);                        // softmax backward
    INDArray dqh = needDq ? Nd4j.createUninitialized(dout.dataType(), c.qh.shape()) : null;
    INDArray dkh = needDk ? Nd4j.createUninitialized(dout.dataType(), c.kh.shape()) : null;
    for (int b = 0; b < s.b; b++)
      for (int j = 0; j < s.nkv; j++) {
        INDArray dS = qBlock(ds, b, j, s);
        if (needDq) Ops.mmInto(dS, kvBlock(c.kh, b, j, s), qBlock(dqh, b, j, s), false, false, scale, 0.0); // dQ = s dS K
        if (needDk) Ops.mmInto(dS, qBlock(c.qh, b, j, s), kvBlock(dkh, b, j, s), true, false, scale, 0.0);  // dK = s dS^T Q
      }
    return new INDArray[] {
        needDq ? fromHeads(dqh, s.b, s.t, s.nh, s.d) : null,
        needDk ? fromHeads(dkh, s.b, s.t, s.nkv, s.d) : null,
        needDv ? fromHeads(dvh, s.b, s.t, s.nkv, s.d) : null};
  }

  /** Rows of the g query heads of batch row b that share kv head j: [g*T, cols]. */
  static INDArray qBlock(INDArray a, int b, int j, Shape s) {
    long start = ((long) b * s.nh + (long) j * s.g()) * s.t;
    return Ops.rows(a, start, start + (long) s.g() * s.t);
  }

  /** Rows of kv head j of batch row b: [T, cols]. */
  static INDArray kvBlock(INDArray a, int b, int j, Shape s) {
    long start = ((long) b * s.nkv + j) * s.t;
    return Ops.rows(a, start, start + s.t);
  }

  /** [B*T, heads*d] -> [B*heads*T, d]. */
  static INDArray toHeads(INDArray x, int b, int t, int heads, int d) {
    return x.reshape('c', b, t, heads, d).permute(0, 2, 1, 3).dup('c').reshape('c', (long) b * heads * t, d);
  }

  /** [B*heads*T, d] -> [B*T, heads*d]. */
  static INDArray fromHeads(INDArray x, int b, int t, int heads, int d) {
    return x.reshape('c', b, heads, t, d).permute(0, 2, 1, 3).dup('c').reshape('c', (long) b * t, (long) heads * d);
  }
}
