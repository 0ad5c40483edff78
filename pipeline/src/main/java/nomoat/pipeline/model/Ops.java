package nomoat.pipeline.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The few ND4J array helpers the layers lean on, named the way the layers read (products: {@link Gemm}). */
final class Ops {
  private Ops() {}

  /** An array of the given dtype holding a Java float/double copy of values. */
  static INDArray fromDoubles(double[] values, DataType dt, long... shape) {
    if (dt != DataType.FLOAT && dt != DataType.DOUBLE) return Nd4j.create(values, shape, 'c').castTo(dt);
    INDArray a = Nd4j.createUninitialized(dt, shape);                  // one bulk copy into the buffer
    if (a.length() != values.length) throw new IllegalArgumentException("shape does not hold " + values.length + " values");
    Buffers.put(a, 0, values, 0, values.length);
    return a;
  }

  /** Rows [from, to) of a 2D c-order array: a contiguous view. */
  static INDArray rows(INDArray a, long from, long to) {
    return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
  }
}
