package nomoat.pipeline.train;

import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.lora.LoraAdapter;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The driver's half of a step: gradient sums (from this JVM or reduced from workers) divided by the global trained-token
 * count, clipped, and applied by AdamW with the scheduled learning rate. Updates the adapter in place. Needs no model,
 * so a Spark driver can run it without loading one.
 *
 * <p>For FLOAT adapters (the usual case) the three passes run over Java float arrays kept from step to step: the mean
 * gradient is written once into a reused per-tensor buffer while the global norm is summed, clipping scales it in place,
 * and AdamW reads parameters and moments with one bulk copy per tensor into reused scratch and writes them back the same
 * way. Every element goes through the same double operations in the same order as {@link GradAccumulator#meanGradients},
 * {@link GradClipping} and {@link AdamW#step}, so results are bitwise theirs (AdapterOptimizerTest); other data types
 * take that path itself.
 */
public final class AdapterOptimizer {
  private final LoraAdapter adapter;
  private final Map<String, INDArray> params;
  private final OptimizerState state;
  private final LocalTrainer.Settings settings;
  /** Mean (then clipped) gradient per tensor, reused every step; allocated on the first float step. */
  private Map<String, float[]> grads;
  /** Scratch for one tensor's parameters and moments, as long as the largest tensor. */
  private float[] p, m, v;

  public AdapterOptimizer(LoraAdapter adapter, OptimizerState state, LocalTrainer.Settings settings) {
    this.adapter = adapter;
    this.params = AdapterParams.of(adapter);
    this.state = state;
    this.settings = settings;
    if (params.isEmpty()) throw new IllegalArgumentException("the adapter has no trainable tensors (no module matched)");
    if (!params.keySet().equals(state.names()))
      throw new IllegalArgumentException("optimiser state does not match the adapter's tensors");
  }

  /** Average, clip, AdamW; a step whose gradient norm is not finite leaves parameters and state unchanged. */
  public LocalTrainer.StepMetrics apply(GradAccumulator acc) {
    long step = state.step();
    double lr = settings.schedule().lr(step);
    if (acc.tokens() == 0) return new LocalTrainer.StepMetrics(step, Double.NaN, 0, lr, 0, true);
    if (!allPackedFloat()) return applyTensors(acc, step, lr);
    if (!params.keySet().equals(acc.names()))
      throw new IllegalArgumentException("parameters, gradients and optimiser state name different tensors: "
          + params.keySet() + " / " + acc.names() + " / " + state.names());
    if (grads == null) allocate();
    // mean gradient (rounded to float, as the parameters' type) and the global norm over it, in one pass
    long tokens = acc.tokens();
    double sumSq = 0;
    for (Map.Entry<String, float[]> e : grads.entrySet()) {
      String name = e.getKey();
      if (!java.util.Arrays.equals(params.get(name).shape(), acc.shapeOf(name)))
        throw new IllegalArgumentException("gradient of '" + name + "' has the wrong shape");
      double[] s = acc.sumOf(name);
      float[] g = e.getValue();
      for (int i = 0; i < s.length; i++) {
        float gi = (float) (s[i] / tokens);
        g[i] = gi;
        sumSq += (double) gi * gi;
      }
    }
    double norm = Math.sqrt(sumSq);
    if (!Double.isFinite(norm)) return new LocalTrainer.StepMetrics(step, acc.meanLoss(), norm, lr, acc.tokens(), true);
    double maxNorm = settings.maxGradNorm();
    if (maxNorm > 0) {
      double coef = maxNorm / (norm + 1e-6);                       // torch's clip_grad_norm_, as GradClipping
      if (coef < 1.0)
        for (float[] g : grads.values())
          for (int i = 0; i < g.length; i++) g[i] = (float) (g[i] * coef);
    }
    long t = state.step() + 1;
    for (Map.Entry<String, INDArray> e : params.entrySet()) {
      String name = e.getKey();
      INDArray pT = e.getValue(), mT = state.m(name), vT = state.v(name);
      HostTensors.readFloats(pT, p);
      HostTensors.readFloats(mT, m);
      HostTensors.readFloats(vT, v);
      settings.adamW().update(p, grads.get(name), m, v, Math.toIntExact(pT.length()), lr, t);
      HostTensors.writeFloats(pT, p);
      HostTensors.writeFloats(mT, m);
      HostTensors.writeFloats(vT, v);
    }
    state.advance();
    return new LocalTrainer.StepMetrics(step, acc.meanLoss(), norm, lr, acc.tokens(), false);
  }

  /** The general path (any floating-point type, views): ND4J tensors through meanGradients, GradClipping and AdamW.step. */
  private LocalTrainer.StepMetrics applyTensors(GradAccumulator acc, long step, double lr) {
    Map<String, INDArray> g = acc.meanGradients(params.values().iterator().next().dataType());
    double norm = settings.maxGradNorm() > 0
        ? GradClipping.clipByGlobalNorm(g, settings.maxGradNorm()) : GradClipping.globalNorm(g);
    if (!Double.isFinite(norm)) return new LocalTrainer.StepMetrics(step, acc.meanLoss(), norm, lr, acc.tokens(), true);
    settings.adamW().step(params, g, state, lr);
    return new LocalTrainer.StepMetrics(step, acc.meanLoss(), norm, lr, acc.tokens(), false);
  }

  private boolean allPackedFloat() {
    for (Map.Entry<String, INDArray> e : params.entrySet())
      if (!HostTensors.packedFloat(e.getValue()) || !HostTensors.packedFloat(state.m(e.getKey())) || !HostTensors.packedFloat(state.v(e.getKey())))
        return false;
    return true;
  }

  private void allocate() {
    grads = new TreeMap<>();
    int max = 0;
    for (Map.Entry<String, INDArray> e : params.entrySet()) {
      int n = Math.toIntExact(e.getValue().length());
      grads.put(e.getKey(), new float[n]);
      max = Math.max(max, n);
    }
    p = new float[max];
    m = new float[max];
    v = new float[max];
  }

  public LoraAdapter adapter() { return adapter; }

  public OptimizerState state() { return state; }

  public LocalTrainer.Settings settings() { return settings; }
}
