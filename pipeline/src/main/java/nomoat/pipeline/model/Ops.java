package nomoat.pipeline.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The few ND4J operations the engine leans on, named the way the layers read. */
final class Ops {
  private Ops() {}

  /**
   * Per-thread scratch memory for one step's activations: arrays allocated inside come from one reused block
   * (sized on the first step) instead of a fresh native allocation each; nothing allocated inside may escape.
   */
  static final WorkspaceConfiguration STEP_WORKSPACE = WorkspaceConfiguration.builder()
      .policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.1)
      .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
      .policySpill(SpillPolicy.REALLOCATE).build();

  static final String STEP = "nomoat-step";

  static <T> T inStepWorkspace(java.util.function.Supplier<T> work) {
    return inWorkspace(STEP, work);
  }

  /**
   * Runs work in a named workspace nested in the current one; its memory is reused the next time. Results
   * that must outlive it are copied out with {@link #keep}. (-Dnomoat.noWorkspace=true turns workspaces off,
   * for debugging memory issues.)
   */
  static <T> T inWorkspace(String id, java.util.function.Supplier<T> work) {
    if (Boolean.getBoolean("nomoat.noWorkspace")) return work.get();
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE, id)) {
      return work.get();
    }
  }

  /** Moves an array made in a nested workspace into the step workspace (no-op without workspaces). */
  static INDArray keep(INDArray a) {
    if (a == null || Boolean.getBoolean("nomoat.noWorkspace")) return a;
    return a.leverageTo(STEP);
  }

  /** a @ b with optional transposes (no copies: BLAS transpose flags), a new c-order array. */
  static INDArray mm(INDArray a, INDArray b, boolean ta, boolean tb) {
    return Gemm.product(a, b, ta, tb, 1.0);
  }

  /** alpha * (a @ b), as {@link #mm}. */
  static INDArray mm(INDArray a, INDArray b, boolean ta, boolean tb, double alpha) {
    return Gemm.product(a, b, ta, tb, alpha);
  }

  /** c = alpha * op(a) @ op(b) + beta * c, written into c. */
  static void mmInto(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double alpha, double beta) {
    Gemm.into(a, b, c, ta, tb, alpha, beta);
  }

  /** Batched product of 3D c-order arrays [batch, rows, cols]: a new [batch, m, n] array. */
  static INDArray bmm(INDArray a, INDArray b, boolean ta, boolean tb) {
    return Gemm.batched(a, b, null, ta, tb, 1.0, 0.0);
  }

  /** c[i] = op(a[i]) @ op(b[i]) + beta * c[i] for 3D c-order arrays. */
  static void bmmInto(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double beta) {
    Gemm.batched(a, b, c, ta, tb, 1.0, beta);
  }

  /** An array of the given dtype holding a Java float/double copy of values. */
  static INDArray fromDoubles(double[] values, DataType dt, long... shape) {
    if (dt != DataType.FLOAT && dt != DataType.DOUBLE) return Nd4j.create(values, shape, 'c').castTo(dt);
    INDArray a = Nd4j.createUninitialized(dt, shape);                  // one bulk copy into the buffer
    if (a.length() != values.length) throw new IllegalArgumentException("shape does not hold " + values.length + " values");
    Kernels.put(a, 0, values, 0, values.length);
    return a;
  }


  /**
   * Row-wise softmax of a 2D array, written into out (may be z itself). libnd4j's fused op; it is exact as long as
   * every row holds at least one ordinary value (in DOUBLE it returns NaN for rows whose entries are all near
   * -1e9, so attention masks always leave each query at least one key).
   */
  static INDArray softmaxRows(INDArray z, INDArray out) {
    Nd4j.exec(new SoftMax(z, out, 1));
    return out;
  }

  /** Rows [from, to) of a 2D c-order array: a contiguous view. */
  static INDArray rows(INDArray a, long from, long to) {
    return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
  }
}
