package nomoat.pipeline.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * LM head + softmax cross-entropy, fused per chunk of rows so the [rows, vocab] logits never exist whole.
 * h [M, H] (final-normed hidden rows that have a target), head [V, H]; loss_i = logsumexp(z_i) - z_i[target_i];
 * dz = softmax(z) - onehot(target); dh = dz @ head.
 */
final class CrossEntropy {
  private CrossEntropy() {}

  /** Upper bound on chunk rows * vocab (elements of one logits chunk). */
  static final long CHUNK_ELEMENTS = 1L << 22;

  /** Returns -log p(target) per row; when dh [M, H] is given, also writes dLoss/dh for loss = sum of rows. */
  static double[] forwardBackward(INDArray h, INDArray head, int[] targets, INDArray dh) {
    int m = targets.length;
    long vocab = head.rows();
    int chunk = (int) Math.max(1, Math.min(m, CHUNK_ELEMENTS / vocab));
    double[] nll = new double[m];
    for (int from = 0; from < m; from += chunk) {
      int to = Math.min(m, from + chunk);
      INDArray z = Ops.mm(Attention.rows(h, from, to), head, false, true);   // [c, V]
      z.subiColumnVector(z.max(true, 1));
      double[] zt = new double[to - from];
      for (int i = 0; i < zt.length; i++) zt[i] = z.getDouble(i, targets[from + i]);
      Transforms.exp(z, false);
      INDArray sum = z.sum(true, 1);                                           // [c, 1]
      for (int i = 0; i < zt.length; i++) nll[from + i] = Math.log(sum.getDouble(i, 0)) - zt[i];
      if (dh != null) {
        z.diviColumnVector(sum);
        for (int i = 0; i < zt.length; i++) z.putScalar(i, targets[from + i], z.getDouble(i, targets[from + i]) - 1.0);
        Ops.mmInto(z, head, Attention.rows(dh, from, to), false, false, 1.0, 0.0);
      }
    }
    return nll;
  }
}
