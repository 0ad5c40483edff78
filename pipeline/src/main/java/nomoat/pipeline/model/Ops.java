package nomoat.pipeline.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** ND4J array helpers the layers lean on, named the way the layers read (products: {@link Gemm}). */
final class Ops {
  private Ops() {}

  /** Rows [from, to) of a 2D c-order array: a contiguous view. */
  static INDArray rows(INDArray a, long from, long to) {
    return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
  }
}
