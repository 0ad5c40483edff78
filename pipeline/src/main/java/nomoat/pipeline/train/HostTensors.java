package nomoat.pipeline.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Moves adapter-sized tensors between ND4J and Java arrays, where exact, ordered arithmetic is easy. Packed C-order
 * arrays are read and written through their buffers without launching native ops: each ND4J op costs a fixed
 * overhead (thread hand-off) that dominates for the many small adapter tensors, badly so on a busy machine.
 */
final class HostTensors {
  private HostTensors() {}

  /** Values in C order, widened to double (exact for FLOAT and DOUBLE). */
  static double[] toDoubles(INDArray a) {
    INDArray p = packed(a) ? a : a.dup('c');
    int n = Math.toIntExact(p.length());
    double[] out = new double[n];
    if (p.dataType() == DataType.FLOAT) {                   // one bulk copy (asDouble() reads element by element)
      float[] f = new float[n];
      new org.bytedeco.javacpp.FloatPointer(p.data().addressPointer()).get(f, 0, n);
      for (int i = 0; i < n; i++) out[i] = f[i];
    } else if (p.dataType() == DataType.DOUBLE) {
      new org.bytedeco.javacpp.DoublePointer(p.data().addressPointer()).get(out, 0, n);
    } else {
      return p.data().asDouble();
    }
    return out;
  }

  /** Overwrites {@code target} with C-order values, rounded to its data type. */
  static void assign(INDArray target, double[] values) {
    if (values.length != target.length())
      throw new IllegalArgumentException("expected " + target.length() + " values, got " + values.length);
    if (!packed(target)) {
      target.assign(Nd4j.create(values, target.shape(), target.dataType()));
    } else if (target.dataType() == DataType.DOUBLE) {
      target.data().setData(values);
    } else {
      float[] f = new float[values.length];
      for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
      target.data().setData(f);
    }
  }

  /** A new C-order array of {@code type} holding {@code values}. */
  static INDArray create(double[] values, long[] shape, DataType type) {
    if (type == DataType.DOUBLE) return Nd4j.create(values, shape, DataType.DOUBLE);   // copies into native memory
    float[] f = new float[values.length];
    for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
    return Nd4j.create(f, shape, type);
  }

  /** Whether {@code a} is a packed C-order FLOAT array, which {@link #readFloats} and {@link #writeFloats} take. */
  static boolean packedFloat(INDArray a) {
    return a.dataType() == DataType.FLOAT && packed(a);
  }

  /** Copies elements {@code [from, from + n)} of a packed FLOAT array into {@code into[0, n)}: one bulk copy. */
  static void readFloats(INDArray a, long from, float[] into, int n) {
    if (from < 0 || n < 0 || from + n > a.length()) throw new IndexOutOfBoundsException(from + " + " + n + " of " + a.length());
    if (n > 0) new org.bytedeco.javacpp.FloatPointer(a.data().addressPointer()).position(from).get(into, 0, n);
  }

  /** Overwrites elements {@code [from, from + n)} of a packed FLOAT array with {@code values[0, n)}: one bulk copy. */
  static void writeFloats(INDArray a, long from, float[] values, int n) {
    if (from < 0 || n < 0 || from + n > a.length()) throw new IndexOutOfBoundsException(from + " + " + n + " of " + a.length());
    if (n > 0) new org.bytedeco.javacpp.FloatPointer(a.data().addressPointer()).position(from).put(values, 0, n);
  }

  static void requireFloatingPoint(String name, INDArray a) {
    DataType t = a.dataType();
    if (t != DataType.FLOAT && t != DataType.DOUBLE)
      throw new IllegalArgumentException("tensor '" + name + "' is " + t + "; the optimiser handles FLOAT and DOUBLE");
  }

  /** Whether the buffer holds exactly this array's elements in C order. */
  private static boolean packed(INDArray a) {
    return !a.isView() && a.offset() == 0 && a.data().offset() == 0 && a.data().length() == a.length()
        && (a.ordering() == 'c' || a.rank() <= 1 || a.isVector())
        && (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE);
  }
}
