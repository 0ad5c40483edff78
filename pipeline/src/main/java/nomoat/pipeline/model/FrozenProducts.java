package nomoat.pipeline.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The engine's two products with a frozen matrix, as the layers run them (straight through OpenBLAS's cblas where
 * reachable, tile by tile): for benchmarks and tools outside this package that measure or check them.
 */
public final class FrozenProducts {
  private FrozenProducts() {}

  /** Forward x W^T: x [N, cols] -> a new [N, rows]. */
  public static INDArray forward(FrozenMatrix w, INDArray x) { return w.mulTransposed(Gemm.OPENBLAS, x); }

  /** Backward dy W: dy [N, rows] -> a new [N, cols]. */
  public static INDArray backward(FrozenMatrix w, INDArray dy) { return w.mul(Gemm.OPENBLAS, dy); }
}
