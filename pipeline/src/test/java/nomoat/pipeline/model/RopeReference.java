package nomoat.pipeline.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The plain form of the rotary embedding, the reference the engine's fused heads copies (Kernels.toHeads/fromHeads)
 * are checked against: rotate_half is the fixed linear map x @ R (R [d, d]), applied to all heads at once as one gemm
 * on the [N*heads, d] view, so forward is out = x * cos + (x @ R) * sin and backward dx = dout * cos + (dout * sin) @ R^T.
 */
final class RopeReference {
  private RopeReference() {}

  /** R [d, d] with x @ R = rotate_half(x) for a row x = [x1, x2]: R[h + i, i] = -1, R[i, h + i] = 1. */
  static INDArray rotateHalfMatrix(int d, DataType dt) {
    int h = d / 2;
    double[] r = new double[d * d];
    for (int i = 0; i < h; i++) {
      r[(h + i) * d + i] = -1;
      r[i * d + h + i] = 1;
    }
    INDArray m = org.nd4j.linalg.factory.Nd4j.createUninitialized(dt, d, d);
    Buffers.put(m, 0, r, 0, r.length);
    return m;
  }

  /** x [N, heads*d] -> rotated [N, heads*d]. */
  static INDArray forward(INDArray x, INDArray cos, INDArray sin, INDArray rot) {
    return perHead(x, rot, false).muli(sin).addi(x.mul(cos));
  }

  static INDArray backward(INDArray dout, INDArray cos, INDArray sin, INDArray rot) {
    return perHead(dout.mul(sin), rot, true).addi(dout.mul(cos));
  }

  /** x @ R (or x @ R^T) for every head: one gemm over the [N*heads, d] view. */
  private static INDArray perHead(INDArray x, INDArray rot, boolean transpose) {
    long d = rot.rows();
    return Gemm.OPENBLAS.mm(x.reshape('c', x.rows() * (x.columns() / d), d), rot, false, transpose).reshape('c', x.rows(), x.columns());
  }
}
