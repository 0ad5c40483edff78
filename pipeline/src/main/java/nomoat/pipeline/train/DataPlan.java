package nomoat.pipeline.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import nomoat.pipeline.model.Seeds;

/**
 * Which rows are trained where and when: a pure function of the row lengths (in manifest order), the seed and the
 * batch shape, so a retried task, a resumed run and a run with a different split of the same global batch over
 * workers all see the same micro-batches.
 *
 * <p>An epoch: shuffle all rows (seeded by seed and epoch), sort by length (longest first) within windows of
 * {@code lengthWindow} micro-batches so a micro-batch pads little, cut into micro-batches of {@code microBatch} rows
 * (a last incomplete one is dropped), and shuffle the micro-batches. Optimiser step t of the epoch trains micro-batches
 * [t·W·m, (t+1)·W·m); its j-th goes to worker j / m as that worker's (j mod m)-th micro-batch, with dropout seeded by
 * the global index j. So W workers x m micro-batches and W' x m' with W·m = W'·m' train the same rows per step.
 * Micro-batches left over after the last whole step of an epoch are not trained in that epoch.
 */
public final class DataPlan implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private final int[][] microBatches;
  private final int microPerStep;

  private DataPlan(int[][] microBatches, int microPerStep) {
    this.microBatches = microBatches;
    this.microPerStep = microPerStep;
  }

  /** The plan of one epoch over rows of the given lengths. */
  public static DataPlan epoch(int[] lengths, int microBatch, int lengthWindow, long seed, long epoch, int workers, int gradAccum) {
    int n = lengths.length;
    int[] order = new int[n];
    for (int i = 0; i < n; i++) order[i] = i;
    shuffle(order, new Random(Seeds.mix(Seeds.mix(seed, 0x5EEDL), epoch)));
    int window = (int) Math.min(n, (long) lengthWindow * microBatch);
    if (lengthWindow > 1) {
      for (int from = 0; from < n; from += window) {
        int to = Math.min(n, from + window);
        Integer[] w = new Integer[to - from];
        for (int i = from; i < to; i++) w[i - from] = order[i];
        Arrays.sort(w, (a, b) -> Integer.compare(lengths[b], lengths[a]));   // stable: ties keep the shuffled order
        for (int i = from; i < to; i++) order[i] = w[i - from];
      }
    }
    int count = n / microBatch;
    int[][] mbs = new int[count][];
    for (int k = 0; k < count; k++) mbs[k] = Arrays.copyOfRange(order, k * microBatch, (k + 1) * microBatch);
    shuffle(mbs, new Random(Seeds.mix(Seeds.mix(seed, 0xBA7CL), epoch)));
    return new DataPlan(mbs, workers * gradAccum);
  }

  /** Whole optimiser steps in an epoch of {@code rows} rows (the same for every epoch). */
  public static long stepsPerEpoch(long rows, int microBatch, int workers, int gradAccum) {
    return rows / microBatch / ((long) workers * gradAccum);
  }

  public long steps() { return microBatches.length / microPerStep; }

  /** Rows of micro-batch {@code j} (global index within the step, 0 .. W·m-1) of step {@code stepInEpoch}. */
  public int[] rows(long stepInEpoch, int j) {
    if (j < 0 || j >= microPerStep || stepInEpoch < 0 || stepInEpoch >= steps())
      throw new IllegalArgumentException("no micro-batch " + j + " in step " + stepInEpoch + " of " + steps());
    return microBatches[(int) (stepInEpoch * microPerStep + j)];
  }

  /** For every row, the worker that trains it this epoch, or -1 when it is not trained this epoch. */
  public int[] workerOfRow(int rows, int gradAccum) {
    int[] worker = new int[rows];
    Arrays.fill(worker, -1);
    long used = steps() * microPerStep;
    for (int k = 0; k < used; k++) for (int r : microBatches[k]) worker[r] = (k % microPerStep) / gradAccum;
    return worker;
  }

  /** All micro-batches of the epoch in training order (for tests and single-JVM replays). */
  public List<int[]> microBatches() { return List.of(microBatches); }

  /**
   * Validation micro-batches: rows sorted by length (longest first; ties by row index), cut into micro-batches of
   * {@code microBatch} rows (the last may be smaller); micro-batch k is scored by worker k mod W.
   */
  public static List<int[]> validation(int[] lengths, int microBatch) {
    Integer[] order = new Integer[lengths.length];
    for (int i = 0; i < order.length; i++) order[i] = i;
    Arrays.sort(order, (a, b) -> Integer.compare(lengths[b], lengths[a]));
    List<int[]> out = new ArrayList<>();
    for (int from = 0; from < order.length; from += microBatch) {
      int to = Math.min(order.length, from + microBatch);
      int[] mb = new int[to - from];
      for (int i = from; i < to; i++) mb[i - from] = order[i];
      out.add(mb);
    }
    return out;
  }

  private static void shuffle(int[] a, Random rnd) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = a[i]; a[i] = a[j]; a[j] = t;
    }
  }

  private static void shuffle(int[][] a, Random rnd) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int[] t = a[i]; a[i] = a[j]; a[j] = t;
    }
  }
}
