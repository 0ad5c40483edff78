package nomoat.pipeline.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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

  private static void chunk(INDArray h, INDArray head, int[] targets, INDArray dh, int from, int to, double[] nll) {
    INDArray z = Ops.mm(Ops.rows(h, from, to), head, false, true);   // [c, V]
    z.subiColumnVector(z.max(true, 1));
    double[] zt = new double[to - from];
    for (int i = 0; i < zt.length; i++) zt[i] = z.getDouble(i, targets[from + i]);
    INDArray e = Transforms.exp(z, false);                                  // e = exp(z - max)
    INDArray sum = e.sum(true, 1);                                           // [c, 1]
    for (int i = 0; i < zt.length; i++) nll[from + i] = Math.log(sum.getDouble(i, 0)) - zt[i];
    if (dh != null) {
      // dh = (e / sum - onehot) @ head = (e @ head) / sum - head[target]: the row scaling and the one-hot
      // are applied on [c, H] instead of [c, V]
      INDArray d = Ops.rows(dh, from, to);
      Ops.mmInto(e, head, d, false, false, 1.0, 0.0);
      d.diviColumnVector(sum).subi(Nd4j.pullRows(head, 1, java.util.Arrays.copyOfRange(targets, from, to)));
    }
  }

  /** Returns -log p(target) per row; when dh [M, H] is given, also writes dLoss/dh for loss = sum of rows. */
  static double[] forwardBackward(INDArray h, INDArray head, int[] targets, INDArray dh) {
    int m = targets.length;
    long vocab = head.rows();
    int chunk = (int) Math.max(1, Math.min(m, CHUNK_ELEMENTS / vocab));
    double[] nll = new double[m];
    for (int from = 0; from < m; from += chunk) {
      int f = from, to = Math.min(m, from + chunk);
      Ops.inWorkspace("nomoat-ce-chunk", () -> {                           // chunk temporaries reuse one block
        chunk(h, head, targets, dh, f, to, nll);
        return null;
      });
    }
    return nll;
  }
}
