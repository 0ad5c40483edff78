package nomoat.pipeline.train;

import java.util.Map;
import nomoat.pipeline.lora.LoraAdapter;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The driver's half of a step: gradient sums (from this JVM or reduced from workers) divided by the global trained-token
 * count, clipped, and applied by AdamW with the scheduled learning rate. Updates the adapter in place. Needs no model,
 * so a Spark driver can run it without loading one.
 */
public final class AdapterOptimizer {
  private final LoraAdapter adapter;
  private final Map<String, INDArray> params;
  private final OptimizerState state;
  private final LocalTrainer.Settings settings;

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
    Map<String, INDArray> grads = acc.meanGradients(params.values().iterator().next().dataType());
    double norm = settings.maxGradNorm() > 0
        ? GradClipping.clipByGlobalNorm(grads, settings.maxGradNorm()) : GradClipping.globalNorm(grads);
    if (!Double.isFinite(norm)) return new LocalTrainer.StepMetrics(step, acc.meanLoss(), norm, lr, acc.tokens(), true);
    settings.adamW().step(params, grads, state, lr);
    return new LocalTrainer.StepMetrics(step, acc.meanLoss(), norm, lr, acc.tokens(), false);
  }

  public LoraAdapter adapter() { return adapter; }

  public OptimizerState state() { return state; }

  public LocalTrainer.Settings settings() { return settings; }
}
