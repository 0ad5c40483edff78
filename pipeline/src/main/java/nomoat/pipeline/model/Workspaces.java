package nomoat.pipeline.model;

import java.util.function.Supplier;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-thread scratch memory for one step's activations (ND4J workspaces): arrays allocated inside come from one
 * reused block (sized on the first step) instead of a fresh native allocation each; nothing allocated inside may
 * escape. {@link #OFF} runs the same code with ordinary allocations ({@link EngineOptions#workspaces()} false, to
 * debug memory issues).
 */
final class Workspaces {
  static final Workspaces ON = new Workspaces(true), OFF = new Workspaces(false);

  static Workspaces of(boolean on) { return on ? ON : OFF; }

  private static final WorkspaceConfiguration STEP_WORKSPACE = WorkspaceConfiguration.builder()
      .policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.1)
      .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
      .policySpill(SpillPolicy.REALLOCATE).build();

  private static final String STEP = "nomoat-step";

  /**
   * One phase's temporaries: a layer's forward, a chunk of the loss, a layer's (recomputed forward and) backward. The
   * phases run one after another and keep nothing in it, so they share one block, sized by the largest phase.
   */
  static final String PHASE = "nomoat-phase";

  private final boolean on;

  private Workspaces(boolean on) { this.on = on; }

  /** Runs one step's work (a shard of a batch, on the calling thread) in the step workspace. */
  <T> T step(Supplier<T> work) {
    return run(STEP, work);
  }

  /**
   * Runs work in a named workspace nested in the current one; its memory is reused the next time. Results that must
   * outlive it are copied out with {@link #keep}.
   */
  <T> T run(String id, Supplier<T> work) {
    if (!on) return work.get();
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE, id)) {
      return work.get();
    }
  }

  /** Moves an array made in a nested workspace into the step workspace (no-op without workspaces). */
  INDArray keep(INDArray a) {
    if (a == null || !on) return a;
    return a.leverageTo(STEP);
  }
}
