package nomoat.pipeline.train;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Global L2-norm gradient clipping with torch.nn.utils.clip_grad_norm_ semantics. */
public final class GradClipping {
  private GradClipping() {}

  /** L2 norm over all tensors together (sqrt of the sum of every squared element), in double, in Java. */
  public static double globalNorm(Map<String, INDArray> grads) {
    double sumSq = 0;
    for (INDArray g : grads.values())
      for (double v : HostTensors.toDoubles(g)) sumSq += v * v;
    return Math.sqrt(sumSq);
  }

  /**
   * Scales every gradient in place by min(1, maxNorm / (norm + 1e-6)) and returns the norm before clipping, as
   * torch does. A non-finite norm is returned unchanged and the gradients are left alone, so the caller can skip the
   * step (torch would spread the NaN into every gradient).
   */
  public static double clipByGlobalNorm(Map<String, INDArray> grads, double maxNorm) {
    if (!(maxNorm > 0)) throw new IllegalArgumentException("max grad norm must be > 0, got " + maxNorm);
    double norm = globalNorm(grads);
    if (!Double.isFinite(norm)) return norm;
    double coef = maxNorm / (norm + 1e-6);
    if (coef < 1.0)
      for (INDArray g : grads.values()) {
        double[] v = HostTensors.toDoubles(g);
        for (int i = 0; i < v.length; i++) v[i] *= coef;
        HostTensors.assign(g, v);
      }
    return norm;
  }
}
