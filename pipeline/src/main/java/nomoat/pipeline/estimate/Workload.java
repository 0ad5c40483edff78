package nomoat.pipeline.estimate;

import java.util.List;
import nomoat.pipeline.shard.Manifest;

/**
 * What a run will compute, from prepare's manifest and the train settings: optimiser steps, rows per step, and the
 * mean row length (real tokens per training row; rows are padded to their micro-batch's longest, which length
 * grouping keeps small, so padding is not added).
 */
public record Workload(long trainRows, long trainTokens, long trainedTokensPerEpoch, long rowsPerStep, long steps, double stepsPerEpoch) {

  /**
   * @param workers    data-parallel workers of the run (train.workers; the global batch is workers × microBatch × gradAccum)
   * @param maxSteps   train.max-steps (≤ 0: epochs × steps per epoch)
   */
  public static Workload of(Manifest manifest, int workers, int microBatch, int gradAccum, int epochs, long maxSteps) {
    List<Manifest.ShardFile> train = manifest.shards().getOrDefault("train", List.of());
    long rows = 0, tokens = 0, trained = 0;
    for (Manifest.ShardFile f : train) {
      rows += f.rows();
      tokens += f.tokens();
      trained += f.trainedTokens();
    }
    long perStep = (long) workers * microBatch * gradAccum;
    long perEpoch = perStep == 0 ? 0 : rows / perStep;
    long steps = maxSteps > 0 ? maxSteps : perEpoch * epochs;
    return new Workload(rows, tokens, trained, perStep, steps, perEpoch);
  }

  public double meanRowLength() { return trainRows == 0 ? 0 : (double) trainTokens / trainRows; }

  /** Real tokens through the model in one step. */
  public double tokensPerStep() { return rowsPerStep * meanRowLength(); }

  /** Trained (loss-carrying) tokens of the whole run. */
  public double trainedTokens() {
    return trainRows == 0 ? 0 : (double) trainedTokensPerEpoch / trainRows * rowsPerStep * steps;
  }
}
