package nomoat.pipeline.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** y = w * x / sqrt(mean(x^2) + eps), per row. x, y [N, H]; w [H]. */
final class RmsNorm {
  final INDArray w;
  final double eps;

  RmsNorm(INDArray w, double eps) {
    this.w = w;
    this.eps = eps;
  }

  record Cache(INDArray xhat, INDArray rstd) {}   // xhat = x * rstd [N, H]; rstd [N, 1]

  INDArray forward(INDArray x, Cache[] save) {
    INDArray xhat = Nd4j.createUninitialized(x.dataType(), x.shape());
    INDArray rstd = Nd4j.createUninitialized(x.dataType(), x.rows(), 1);
    INDArray y = Kernels.rmsNormForward(x, w, eps, xhat, rstd);
    if (save != null) save[0] = new Cache(xhat, rstd);
    return y;
  }

  /** dx = rstd * (g - xhat * mean(g * xhat)), g = dy * w. */
  INDArray backward(INDArray dy, Cache c) {
    return Kernels.rmsNormBackward(dy, w, c.xhat, c.rstd, null);
  }

  /** backward(dy) + residual, in one pass (a pre-norm block's input gradient: its skip path plus its norm path). */
  INDArray backwardPlus(INDArray dy, Cache c, INDArray residual) {
    return Kernels.rmsNormBackward(dy, w, c.xhat, c.rstd, residual);
  }
}
