package nomoat.pipeline.config;

import com.typesafe.config.Config;
import java.util.List;
import nomoat.pipeline.model.EngineOptions;

/**
 * The {@code engine} block: how the compute engine runs (threads, gemm path, workspaces, attention tiles). Read and
 * checked once here; the engine takes the resulting {@link EngineOptions} value.
 *
 * @param threads engine threads per step; 0 = one per available processor of the JVM that runs the step
 */
public record EngineSettings(int threads, EngineOptions.GemmPath gemm, boolean workspaces, int attentionTileRows)
    implements java.io.Serializable {

  /** Reads the {@code engine} block of a resolved configuration (reference.conf supplies every default). */
  public static EngineSettings from(Config root) {
    String p = "engine.";
    long threads = Checks.integral(root, p + "threads");
    Checks.require(threads >= 0 && threads <= 4096, root, p + "threads", "must be 0 (all processors) or a positive thread count");
    EngineOptions.GemmPath gemm = switch (Checks.oneOf(root, p + "gemm", List.of("openblas", "nd4j"))) {
      case "nd4j" -> EngineOptions.GemmPath.ND4J;
      default -> EngineOptions.GemmPath.OPENBLAS;
    };
    boolean workspaces = root.getBoolean(p + "workspaces");
    long tile = Checks.integral(root, p + "attention-tile-rows");
    Checks.require(tile >= 1 && tile <= 1 << 20, root, p + "attention-tile-rows", "must be a positive number of query positions");
    return new EngineSettings((int) threads, gemm, workspaces, (int) tile);
  }

  /** The engine's options on this JVM (threads = 0 resolves to its available processors). */
  public EngineOptions options() {
    int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    return new EngineOptions(n, gemm, workspaces, attentionTileRows);
  }
}
