package nomoat.pipeline.config;

import com.typesafe.config.Config;
import java.util.List;
import nomoat.pipeline.NomoatException;

/**
 * What the train stage reads from {@code train.*}. Global batch = workers x microBatch x gradAccum rows.
 *
 * @param workers        data-parallel Spark tasks per step; 0 = Spark's default parallelism at start
 * @param epochs         passes over the training rows (ignored when maxSteps > 0)
 * @param maxSteps       optimiser steps to run; -1 = epochs x steps per epoch
 * @param warmup         linear warm-up steps
 * @param maxGradNorm    global-norm clip threshold; 0 disables clipping
 * @param evalEvery      validation loss every this many steps (and always at the end); 0 = only at the end
 * @param checkpointEvery checkpoint every this many steps; 0 = none
 * @param lengthWindow   rows are grouped by length within windows of this many micro-batches; 1 = no grouping
 */
public record TrainSettings(
    String data,
    String output,
    int workers,
    int microBatch,
    int gradAccum,
    int epochs,
    long maxSteps,
    double lr,
    String schedule,
    long warmup,
    double weightDecay,
    double beta1,
    double beta2,
    double eps,
    double maxGradNorm,
    long seed,
    long evalEvery,
    long checkpointEvery,
    int keepCheckpoints,
    long logEvery,
    int lengthWindow,
    String initAdapter,
    String recompute) {

  public static final List<String> SCHEDULES = List.of("constant", "linear", "cosine");
  public static final List<String> RECOMPUTE = List.of("none", "layers");

  /** Whether training recomputes each decoder layer's forward during backward ({@code train.recompute = layers}). */
  public boolean recomputeLayers() { return "layers".equals(recompute); }

  static TrainSettings from(Config c) {
    int workers = c.getInt("train.workers");
    Checks.require(workers >= 0 && workers <= 100_000, c, "train.workers", "must be in [0, 100000] (0 = Spark's default parallelism)");
    int micro = c.getInt("train.micro-batch");
    Checks.require(micro >= 1 && micro <= 65_536, c, "train.micro-batch", "must be in [1, 65536] rows");
    int accum = c.getInt("train.grad-accum");
    Checks.require(accum >= 1 && accum <= 65_536, c, "train.grad-accum", "must be in [1, 65536] micro-batches");
    int epochs = c.getInt("train.epochs");
    Checks.require(epochs >= 1, c, "train.epochs", "must be >= 1");
    long maxSteps = Checks.integral(c, "train.max-steps");
    Checks.require(maxSteps == -1 || maxSteps >= 1, c, "train.max-steps", "must be -1 (use train.epochs) or >= 1");
    double lr = c.getDouble("train.lr");
    Checks.require(lr > 0 && lr < 10, c, "train.lr", "must be in (0, 10)");
    String schedule = Checks.oneOf(c, "train.schedule", SCHEDULES);
    long warmup = Checks.integral(c, "train.warmup");
    Checks.require(warmup >= 0, c, "train.warmup", "must be >= 0 steps");
    double wd = c.getDouble("train.weight-decay");
    Checks.require(wd >= 0, c, "train.weight-decay", "must be >= 0");
    List<Double> betas = c.getDoubleList("train.betas");
    if (betas.size() != 2 || !betas.stream().allMatch(b -> b >= 0 && b < 1))
      throw NomoatException.config("train.betas = " + betas + " (" + ConfigLoader.where(c.getValue("train.betas").origin())
          + "): must be two numbers in [0, 1), e.g. [0.9, 0.999]");
    double eps = c.getDouble("train.eps");
    Checks.require(eps >= 0, c, "train.eps", "must be >= 0");
    double clip = c.getDouble("train.max-grad-norm");
    Checks.require(clip >= 0, c, "train.max-grad-norm", "must be >= 0 (0 = no clipping)");
    long evalEvery = Checks.integral(c, "train.eval-every");
    Checks.require(evalEvery >= 0, c, "train.eval-every", "must be >= 0 (0 = only at the end)");
    long ckEvery = Checks.integral(c, "train.checkpoint-every");
    Checks.require(ckEvery >= 0, c, "train.checkpoint-every", "must be >= 0 (0 = no checkpoints)");
    int keep = c.getInt("train.keep-checkpoints");
    Checks.require(keep >= 1, c, "train.keep-checkpoints", "must be >= 1");
    long logEvery = Checks.integral(c, "train.log-every");
    Checks.require(logEvery >= 1, c, "train.log-every", "must be >= 1");
    int window = c.getInt("train.length-window");
    Checks.require(window >= 1, c, "train.length-window", "must be >= 1 micro-batches (1 = no grouping by length)");
    return new TrainSettings(Checks.nullableString(c, "train.data"), Checks.nullableString(c, "train.output"), workers, micro, accum,
        epochs, maxSteps, lr, schedule, warmup, wd, betas.get(0), betas.get(1), eps, clip, Checks.integral(c, "train.seed"),
        evalEvery, ckEvery, keep, logEvery, window, Checks.nullableString(c, "train.init-adapter"), Checks.oneOf(c, "train.recompute", RECOMPUTE));
  }

  /** The train stage needs its data and output; other stages do not. */
  public void requireDataAndOutput() {
    if (data == null || data.isBlank()) throw NomoatException.config("train.data is required (a committed prepare output)");
    if (output == null || output.isBlank()) throw NomoatException.config("train.output is required (where the adapter, metrics and checkpoints go)");
  }

  /** Rows per optimiser step. */
  public long globalBatch(int resolvedWorkers) { return (long) resolvedWorkers * microBatch * gradAccum; }
}
