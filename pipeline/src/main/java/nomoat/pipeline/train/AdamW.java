package nomoat.pipeline.train;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AdamW exactly as torch.optim.AdamW (single-tensor path, amsgrad off): decoupled weight decay
 * {@code p *= 1 - lr*wd}, then m.lerp_(g, 1-beta1), v = v*beta2 + (1-beta2)*g*g, and
 * {@code p -= lr/(1-beta1^t) * m / (sqrt(v)/sqrt(1-beta2^t) + eps)} with eps outside the square root.
 * Arithmetic is done in double in torch's operation order and rounded to the parameter's type when stored.
 */
public record AdamW(double beta1, double beta2, double eps, double weightDecay) {

  public AdamW {
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
      throw new IllegalArgumentException("AdamW betas must be in [0, 1), got " + beta1 + ", " + beta2);
    if (!(eps >= 0)) throw new IllegalArgumentException("AdamW eps must be >= 0, got " + eps);
    if (!(weightDecay >= 0)) throw new IllegalArgumentException("AdamW weight decay must be >= 0, got " + weightDecay);
  }

  /** torch's defaults with the given weight decay (HF Trainer uses 0.0). */
  public static AdamW withWeightDecay(double weightDecay) { return new AdamW(0.9, 0.999, 1e-8, weightDecay); }

  /** One update of every parameter in place with learning rate {@code lr}; advances the state's step. */
  public void step(Map<String, INDArray> params, Map<String, INDArray> grads, OptimizerState state, double lr) {
    if (!params.keySet().equals(grads.keySet()) || !params.keySet().equals(state.names()))
      throw new IllegalArgumentException("parameters, gradients and optimiser state name different tensors: "
          + params.keySet() + " / " + grads.keySet() + " / " + state.names());
    long t = state.step() + 1;
    double bc1 = 1 - Math.pow(beta1, t);
    double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
    double stepSize = lr / bc1;
    for (Map.Entry<String, INDArray> e : params.entrySet()) {
      String name = e.getKey();
      INDArray pT = e.getValue(), gT = grads.get(name), mT = state.m(name), vT = state.v(name);
      if (!java.util.Arrays.equals(pT.shape(), gT.shape()))
        throw new IllegalArgumentException("gradient of '" + name + "' has the wrong shape");
      double[] p = HostTensors.toDoubles(pT), g = HostTensors.toDoubles(gT);
      double[] m = HostTensors.toDoubles(mT), v = HostTensors.toDoubles(vT);
      for (int i = 0; i < p.length; i++) {
        p[i] *= 1 - lr * weightDecay;
        m[i] = lerp(m[i], g[i], 1 - beta1);
        v[i] = v[i] * beta2 + (1 - beta2) * g[i] * g[i];
        double denom = Math.sqrt(v[i]) / bc2Sqrt + eps;
        p[i] = p[i] + -stepSize * (m[i] / denom);
      }
      HostTensors.assign(pT, p);
      HostTensors.assign(mT, m);
      HostTensors.assign(vT, v);
    }
    state.advance();
  }

  /**
   * The same update on packed float values, in place: {@code p}, {@code m}, {@code v} are read and written over
   * {@code [0, n)} and {@code g} read over {@code [gFrom, gFrom + n)}; {@code t} is the step being taken (1 for the first). Each element is widened to double,
   * updated with exactly {@link #step}'s operations in the same order, and rounded back to float, so the results are
   * bitwise those of {@link #step} on FLOAT tensors.
   */
  void update(float[] p, float[] g, int gFrom, float[] m, float[] v, int n, double lr, long t) {
    double bc1 = 1 - Math.pow(beta1, t);
    double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
    double stepSize = lr / bc1;
    double decay = 1 - lr * weightDecay, w = 1 - beta1, oneMinusBeta2 = 1 - beta2;
    for (int i = 0; i < n; i++) {
      double gi = g[gFrom + i];
      double pi = p[i] * decay;
      double mi = lerp(m[i], gi, w);
      double vi = v[i] * beta2 + oneMinusBeta2 * gi * gi;
      double denom = Math.sqrt(vi) / bc2Sqrt + eps;
      p[i] = (float) (pi + -stepSize * (mi / denom));
      m[i] = (float) mi;
      v[i] = (float) vi;
    }
  }

  /** torch.lerp: start + w*(end-start) for w < 0.5, else end - (end-start)*(1-w). */
  private static double lerp(double start, double end, double w) {
    return w < 0.5 ? start + w * (end - start) : end - (end - start) * (1 - w);
  }
}
