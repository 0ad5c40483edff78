package nomoat.pipeline.train;

import java.io.Serializable;

/**
 * What the workers of one step send back, combined: gradient sums, token and loss sums (in {@code sums}), the slowest
 * task's compute time, and the real (non-padding) tokens and padded slots of the micro-batches.
 */
public record WorkerResult(GradAccumulator sums, long slowestComputeNanos, long realTokens, long slots, int tasks)
    implements Serializable {

  /** Combines two results (either may be null, the empty zero value of an aggregation). */
  public static WorkerResult merge(WorkerResult x, WorkerResult y) {
    if (x == null) return y;
    if (y == null) return x;
    return new WorkerResult(x.sums.merge(y.sums), Math.max(x.slowestComputeNanos, y.slowestComputeNanos),
        x.realTokens + y.realTokens, x.slots + y.slots, x.tasks + y.tasks);
  }

  /** Share of padded positions among all positions computed. */
  public double paddingShare() { return slots == 0 ? 0 : 1.0 - (double) realTokens / slots; }
}
