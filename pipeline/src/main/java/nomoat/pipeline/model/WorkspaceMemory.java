package nomoat.pipeline.model;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the engine's per-thread step workspaces ({@link Workspaces}) hold on the calling thread: a step's activations,
 * saved for backward or recomputed, live there (a batch of one row runs on the caller's thread). For benchmarks.
 */
public final class WorkspaceMemory {
  private WorkspaceMemory() {}

  /**
   * Bytes held by the calling thread's workspaces (their blocks, sized by the first step), and the most any one cycle
   * (step, or one layer's backward) allocated in them, summed over the workspaces.
   */
  public record Held(long bytes, long maxCycleBytes, int workspaces) {}

  public static Held ofThisThread() {
    long bytes = 0, spilled = 0;
    int n = 0;
    for (MemoryWorkspace ws : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
      bytes += ws.getCurrentSize();
      spilled += ws.getMaxCycleAllocations();
      n++;
    }
    return new Held(bytes, spilled, n);
  }
}
