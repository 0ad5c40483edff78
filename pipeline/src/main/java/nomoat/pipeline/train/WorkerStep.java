package nomoat.pipeline.train;

import java.util.ArrayList;
import java.util.List;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.model.Batch;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.model.Scoring;
import nomoat.pipeline.model.StepResult;

/** One worker's share of an optimiser step or of a validation pass: the body of a Spark task, free of Spark. */
public final class WorkerStep {
  private WorkerStep() {}

  /**
   * Forward/backward over worker {@code worker}'s {@code gradAccum} micro-batches of global step {@code step}
   * (step {@code stepInEpoch} of {@code plan}); dropout seeds are those {@link LocalTrainer} uses for the same global
   * micro-batch indices.
   */
  public static WorkerResult train(LlamaModel model, List<LoraAdapter> frozen, LoraAdapter adapter, WorkerRows rows, DataPlan plan,
                                   long step, long stepInEpoch, int worker, int gradAccum, long seed) {
    long t0 = System.nanoTime();
    List<Batch> batches = new ArrayList<>();
    long real = 0, slots = 0;
    for (int i = 0; i < gradAccum; i++) {
      MicroBatches.Padded p = MicroBatches.build(rows.get(plan.rows(stepInEpoch, worker * gradAccum + i)));
      batches.add(p.batch());
      real += p.realTokens();
      slots += p.slots();
    }
    GradAccumulator acc = LocalTrainer.accumulate(model, frozen, adapter, batches, seed, step, worker * gradAccum);
    return new WorkerResult(acc, System.nanoTime() - t0, real, slots, 1);
  }

  /** Summed validation loss over micro-batches k ≡ worker (mod workers), with every adapter active and no dropout. */
  public static WorkerResult evaluate(LlamaModel model, List<LoraAdapter> adapters, WorkerRows rows, List<int[]> microBatches,
                                      int worker, int workers) {
    long t0 = System.nanoTime();
    GradAccumulator acc = new GradAccumulator();
    long real = 0, slots = 0;
    for (int k = worker; k < microBatches.size(); k += workers) {
      MicroBatches.Padded p = MicroBatches.build(rows.get(microBatches.get(k)));
      StepResult r = Scoring.loss(model, adapters, p.batch());
      acc.add(java.util.Map.of(), r.tokenCount(), r.lossSum());
      real += p.realTokens();
      slots += p.slots();
    }
    return new WorkerResult(acc, System.nanoTime() - t0, real, slots, 1);
  }
}
