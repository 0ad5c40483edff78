package nomoat.pipeline.model;

/**
 * How the engine runs, not what it computes: every setting here leaves the results equal (to float rounding across
 * thread counts and gemm paths). Immutable; a {@link LlamaModel} holds one and every step over it uses it. Users set
 * these in the {@code engine} block of the configuration ({@code config.EngineSettings}); tests and benchmarks build
 * them directly.
 *
 * @param threads            engine threads per step: a batch's rows are split into this many shards, one per thread
 *                           (see {@link EngineThreads}); in an executor running one task per core, use 1
 * @param gemm               matrix products straight through OpenBLAS's cblas (when the CPU backend has it) or through
 *                           ND4J's own gemm (for comparison)
 * @param workspaces         per-thread ND4J workspaces for a step's activations (off only to debug memory issues)
 * @param attentionTileRows  query positions per causal attention tile (see {@link Attention})
 * @param recompute          activation recomputation (gradient checkpointing per decoder layer): training keeps only
 *                           each layer's input and runs the layer's forward again just before its backward (same
 *                           kernels, same order: the same gradients, bit for bit, for ~1/3 more compute)
 */
public record EngineOptions(int threads, GemmPath gemm, boolean workspaces, int attentionTileRows, boolean recompute) {

  /** Where matrix products go. */
  public enum GemmPath { OPENBLAS, ND4J }

  public EngineOptions {
    if (threads < 1) throw new IllegalArgumentException("engine threads must be >= 1, got " + threads);
    if (gemm == null) throw new IllegalArgumentException("engine gemm path must be given");
    if (attentionTileRows < 1) throw new IllegalArgumentException("attention tile rows must be >= 1, got " + attentionTileRows);
  }

  /** Without recomputation. */
  public EngineOptions(int threads, GemmPath gemm, boolean workspaces, int attentionTileRows) {
    this(threads, gemm, workspaces, attentionTileRows, false);
  }

  /** One thread per available processor, OpenBLAS, workspaces on, tiles of 256 query positions, no recomputation. */
  public static EngineOptions defaults() {
    return new EngineOptions(Runtime.getRuntime().availableProcessors(), GemmPath.OPENBLAS, true, 256, false);
  }

  public EngineOptions withThreads(int n) { return new EngineOptions(n, gemm, workspaces, attentionTileRows, recompute); }

  public EngineOptions withGemm(GemmPath path) { return new EngineOptions(threads, path, workspaces, attentionTileRows, recompute); }

  public EngineOptions withWorkspaces(boolean on) { return new EngineOptions(threads, gemm, on, attentionTileRows, recompute); }

  public EngineOptions withAttentionTileRows(int rows) { return new EngineOptions(threads, gemm, workspaces, rows, recompute); }

  public EngineOptions withRecompute(boolean on) { return new EngineOptions(threads, gemm, workspaces, attentionTileRows, on); }
}
