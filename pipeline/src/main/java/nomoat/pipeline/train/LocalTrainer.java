package nomoat.pipeline.train;

import java.util.List;
import java.util.Map;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.model.Batch;
import nomoat.pipeline.model.ForwardBackward;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.model.Scoring;
import nomoat.pipeline.model.Seeds;
import nomoat.pipeline.model.StepResult;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Single-JVM LoRA training: per optimiser step, forward/backward over the given micro-batches, accumulate gradient
 * sums, divide by the step's trained-token count, clip, AdamW with the scheduled learning rate. The adapter is
 * updated in place. Micro-batch dropout seeds depend only on (seed, step, micro-batch index), so a distributed run
 * that uses {@link #microBatchSeed} for the same global indices computes the same gradients.
 */
public final class LocalTrainer {

  /** @param maxGradNorm clip threshold for the global gradient norm; 0 disables clipping */
  public record Settings(AdamW adamW, LrSchedule schedule, double maxGradNorm, long seed) {
    public Settings {
      if (!(maxGradNorm >= 0)) throw new IllegalArgumentException("max grad norm must be >= 0, got " + maxGradNorm);
    }
  }

  /**
   * What one optimiser step did. {@code skipped}: the gradient norm was not finite, so parameters and optimiser
   * state were left unchanged.
   */
  public record StepMetrics(long step, double loss, double gradNorm, double lr, long tokens, boolean skipped) {}

  private final LlamaModel model;
  private final List<LoraAdapter> frozen;
  private final LoraAdapter adapter;
  private final OptimizerState state;
  private final Settings settings;
  private final AdapterOptimizer optimizer;

  /** Starts a run with fresh optimiser state. */
  public LocalTrainer(LlamaModel model, LoraAdapter adapter, Settings settings) {
    this(model, List.of(), adapter, OptimizerState.zerosLike(AdapterParams.of(adapter)), settings);
  }

  /** Continues a run: {@code frozen} adapters stay active but untrained; {@code state} is the restored optimiser. */
  public LocalTrainer(LlamaModel model, List<LoraAdapter> frozen, LoraAdapter adapter, OptimizerState state,
                      Settings settings) {
    this.model = model;
    this.frozen = List.copyOf(frozen);
    this.adapter = adapter;
    this.state = state;
    this.settings = settings;
    this.optimizer = new AdapterOptimizer(adapter, state, settings);
  }

  /** Dropout seed of a micro-batch, a pure function of the run seed, optimiser step and global micro-batch index. */
  public static long microBatchSeed(long seed, long step, int microBatch) {
    return Seeds.mix(Seeds.mix(seed, step), microBatch);
  }

  /** Gradient sums, token count and loss sum of some micro-batches of one step (a worker's share). */
  public static GradAccumulator accumulate(LlamaModel model, List<LoraAdapter> frozen, LoraAdapter adapter,
                                           List<Batch> microBatches, long seed, long step, int firstIndex) {
    GradAccumulator acc = new GradAccumulator();
    for (int i = 0; i < microBatches.size(); i++) {
      StepResult r = ForwardBackward.run(model, frozen, adapter, microBatches.get(i), microBatchSeed(seed, step, firstIndex + i));
      acc.add(AdapterParams.gradients(r), r.tokenCount(), r.lossSum());
    }
    return acc;
  }

  /** One optimiser step over {@code microBatches} (gradient accumulation when there are several). */
  public StepMetrics step(List<Batch> microBatches) {
    long step = state.step();
    GradAccumulator acc = accumulate(model, frozen, adapter, microBatches, settings.seed(), step, 0);
    return apply(acc);
  }

  /** Applies accumulated gradients (from this JVM or reduced from workers): average, clip, AdamW. */
  public StepMetrics apply(GradAccumulator acc) {
    return optimizer.apply(acc);
  }

  /** Mean loss per trained token over {@code batches}, with the adapter active and no dropout. */
  public double evaluate(List<Batch> batches) {
    return meanLoss(model, concat(frozen, adapter), batches);
  }

  /** Mean loss per trained token of a model with the given adapters (none = the base model). */
  public static double meanLoss(LlamaModel model, List<LoraAdapter> adapters, List<Batch> batches) {
    double sum = 0;
    long tokens = 0;
    for (Batch b : batches) {
      StepResult r = Scoring.loss(model, adapters, b);
      sum += r.lossSum();
      tokens += r.tokenCount();
    }
    return tokens == 0 ? Double.NaN : sum / tokens;
  }

  public LoraAdapter adapter() { return adapter; }

  public OptimizerState state() { return state; }

  private static List<LoraAdapter> concat(List<LoraAdapter> frozen, LoraAdapter a) {
    java.util.ArrayList<LoraAdapter> all = new java.util.ArrayList<>(frozen);
    all.add(a);
    return all;
  }
}
