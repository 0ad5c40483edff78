package nomoat.pipeline.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * LM head + softmax cross-entropy, fused per chunk of rows so the [rows, vocab] logits never exist whole.
 * h [M, H] (final-normed hidden rows that have a target), head [V, H]; z = h head^T; p = softmax(z);
 * loss_i = -log p_i[target_i]; dz = p - onehot(target); dh = dz @ head.
 */
final class CrossEntropy {
  private CrossEntropy() {}

  /** Upper bound on chunk rows * vocab (elements of one logits chunk). */
  static final long CHUNK_ELEMENTS = 1L << 24;

  private static void chunk(Gemm gemm, INDArray h, FrozenMatrix head, int[] targets, INDArray dh, int from, int to, double[] nll) {
    INDArray z = head.mulTransposed(gemm, Ops.rows(h, from, to));          // [c, V]
    double[] pts = new double[to - from];
    INDArray p = Kernels.softmaxRows(z, null, targets, from, pts);          // in place: z is gone; p - onehot(target)
    for (int i = 0; i < to - from; i++) {
      double pt = pts[i];
      // -log p; when p underflows (loss beyond ~69) use logsumexp(z) - z[target] on that row's recomputed logits
      nll[from + i] = pt > 1e-30 ? -Math.log(pt) : exactNll(gemm, Ops.rows(h, from + i, from + i + 1), head, targets[from + i]);
    }
    if (dh != null) head.mulInto(gemm, p, Ops.rows(dh, from, to), 0.0);
  }

  static double exactNll(Gemm gemm, INDArray hRow, FrozenMatrix head, int target) {
    double[] z = head.mulTransposed(gemm, hRow).toDoubleVector();
    return logSumExp(z) - z[target];
  }

  static double logSumExp(double[] z) {
    double max = Double.NEGATIVE_INFINITY, s = 0;
    for (double v : z) max = Math.max(max, v);
    for (double v : z) s += Math.exp(v - max);
    return max + Math.log(s);
  }

  /** Returns -log p(target) per row; when dh [M, H] is given, also writes dLoss/dh for loss = sum of rows. */
  static double[] forwardBackward(INDArray h, FrozenMatrix head, int[] targets, INDArray dh, Gemm gemm, Workspaces workspaces) {
    int m = targets.length;
    long vocab = head.rows();
    int chunk = (int) Math.max(1, Math.min(m, CHUNK_ELEMENTS / vocab));
    double[] nll = new double[m];
    for (int from = 0; from < m; from += chunk) {
      int f = from, to = Math.min(m, from + chunk);
      workspaces.run(Workspaces.PHASE, () -> {                             // chunk temporaries reuse one block
        chunk(gemm, h, head, targets, dh, f, to, nll);
        return null;
      });
    }
    return nll;
  }
}
