package nomoat.pipeline.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Workers' results summed on a fixed tree: the same bits whatever order and grouping Spark combines them in. */
class StepResultsTest {

  /** Worker w's result: gradient sums of very different magnitudes, so the grouping of additions shows in the last bits. */
  static WorkerResult workerResult(int w) {
    Random rnd = new Random(100 + w);
    float[] g = new float[257];
    for (int i = 0; i < g.length; i++) g[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(25) - 12));
    GradAccumulator acc = new GradAccumulator();
    acc.add(Map.of("m.lora_A.weight", Nd4j.create(g, new long[] {1, g.length}, 'c')), 10 + w, rnd.nextDouble() * Math.pow(10, w % 5));
    return new WorkerResult(acc, 1000 + w, 50 + w, 60 + w, 1);
  }

  /** Combines leaves in a random order and random grouping, as reduce/treeAggregate might on any run. */
  static WorkerResult combineRandomly(int workers, Random rnd) {
    List<StepResults> pending = new ArrayList<>();
    for (int w = 0; w < workers; w++) pending.add(StepResults.leaf(w, workers, workerResult(w)));
    Collections.shuffle(pending, rnd);
    if (rnd.nextBoolean()) pending.add(rnd.nextInt(pending.size() + 1), null);   // the empty zero value
    while (pending.size() > 1) {
      int i = rnd.nextInt(pending.size() - 1);
      StepResults x = pending.remove(i), y = pending.remove(i);
      pending.add(i, rnd.nextBoolean() ? StepResults.merge(x, y) : StepResults.merge(y, x));
    }
    return pending.get(0).result();
  }

  static double[] bits(WorkerResult r) {
    INDArray g = r.sums().gradientSums().get("m.lora_A.weight");
    return g.castTo(DataType.DOUBLE).data().asDouble();
  }

  @Test
  void anyOrderAndGroupingGivesTheSameBitsForAnyWorkerCount() {
    Random rnd = new Random(1);
    boolean someOrderMatters = false;
    for (int workers = 1; workers <= 9; workers++) {
      WorkerResult first = combineRandomly(workers, rnd);
      for (int trial = 0; trial < 40; trial++) {
        WorkerResult r = combineRandomly(workers, rnd);
        assertArrayEquals(bits(first), bits(r), workers + " workers, trial " + trial);
        assertEquals(Double.doubleToRawLongBits(first.sums().lossSum()), Double.doubleToRawLongBits(r.sums().lossSum()));
        assertEquals(first.sums().tokens(), r.sums().tokens());
        assertEquals(workers, r.tasks());
        assertEquals(999 + workers, r.slowestComputeNanos());
      }
      // the plain left-to-right sum in another order differs in the last bits: the fixed tree is what makes runs equal
      if (workers >= 3) {
        WorkerResult forward = workerResult(0), backward = workerResult(workers - 1);
        for (int w = 1; w < workers; w++) forward = WorkerResult.merge(forward, workerResult(w));
        for (int w = workers - 2; w >= 0; w--) backward = WorkerResult.merge(backward, workerResult(w));
        someOrderMatters |= !java.util.Arrays.equals(bits(forward), bits(backward));
        double[] exact = bits(forward), mine = bits(first);
        for (int i = 0; i < exact.length; i++) assertEquals(exact[i], mine[i], 1e-12 * Math.max(1, Math.abs(exact[i])));
      }
    }
    assertTrue(someOrderMatters, "the test data must be sensitive to summation order");
  }

  @Test
  void missingAndRepeatedWorkersAreReported() {
    StepResults partial = StepResults.merge(StepResults.leaf(0, 4, workerResult(0)), StepResults.leaf(3, 4, workerResult(3)));
    IllegalStateException e = assertThrows(IllegalStateException.class, partial::result);
    assertTrue(e.getMessage().contains("workers 1, 2 of 4"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> StepResults.merge(StepResults.leaf(1, 4, workerResult(1)), StepResults.leaf(1, 4, workerResult(1))));
    assertThrows(IllegalArgumentException.class, () -> StepResults.merge(StepResults.leaf(1, 4, workerResult(1)), StepResults.leaf(1, 3, workerResult(1))));
  }
}
