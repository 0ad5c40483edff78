package nomoat.pipeline.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

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
    INDArray norm = x.norm2(true, 1);                                  // [N, 1]
    INDArray ms = norm.muli(norm).divi(x.columns());                   // mean(x^2)
    INDArray rstd = Transforms.pow(ms.addi(eps), -0.5, false);         // [N, 1]
    INDArray xhat = x.mulColumnVector(rstd);
    if (save != null) save[0] = new Cache(xhat, rstd);
    return xhat.mulRowVector(w);
  }

  /** dx = rstd * (g - xhat * mean(g * xhat)), g = dy * w. */
  INDArray backward(INDArray dy, Cache c) {
    INDArray g = dy.mulRowVector(w);
    INDArray m = Ops.rowDot(g, c.xhat).divi(g.columns());             // [N, 1]
    return g.subi(c.xhat.mulColumnVector(m)).muliColumnVector(c.rstd);
  }
}
