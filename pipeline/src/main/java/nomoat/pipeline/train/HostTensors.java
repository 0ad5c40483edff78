package nomoat.pipeline.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Moves small tensors (adapter-sized) between ND4J and Java arrays, where exact, ordered arithmetic is easy. */
final class HostTensors {
  private HostTensors() {}

  /** Values in C order, widened to double (exact for FLOAT and DOUBLE). */
  static double[] toDoubles(INDArray a) {
    return a.dup('c').data().asDouble();
  }

  /** Overwrites {@code target} with C-order values, rounded to its data type. */
  static void assign(INDArray target, double[] values) {
    if (values.length != target.length())
      throw new IllegalArgumentException("expected " + target.length() + " values, got " + values.length);
    target.assign(Nd4j.create(values, target.shape(), target.dataType()));
  }

  static void requireFloatingPoint(String name, INDArray a) {
    DataType t = a.dataType();
    if (t != DataType.FLOAT && t != DataType.DOUBLE)
      throw new IllegalArgumentException("tensor '" + name + "' is " + t + "; the optimiser handles FLOAT and DOUBLE");
  }
}
