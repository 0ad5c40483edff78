package nomoat.pipeline.model;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Java access to an array's native memory: the buffers the kernels read and write, and bulk copies between Java
 * arrays and INDArrays (no ND4J op per copy). Arrays must be c-order and contiguous (what gemm, reshape of gemm outputs
 * and createUninitialized give); anything else is rejected loudly rather than read wrongly.
 */
final class Buffers {
  private Buffers() {}

  private static final Scratch CONVERTED = new Scratch(), ROWS = new Scratch();

  /** Elements of a c-order contiguous array (throws otherwise). */
  static int checkC(INDArray a) {
    if (!isPacked(a))
      throw new IllegalArgumentException("kernel needs a c-order contiguous array, got shape "
          + java.util.Arrays.toString(a.shape()) + " stride " + java.util.Arrays.toString(a.stride()));
    return Math.toIntExact(a.length());
  }

  /** Whether a's elements lie in c order, back to back. */
  static boolean isPacked(INDArray a) {
    long[] shape = a.shape(), stride = a.stride();
    long expect = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && stride[i] != expect) return false;
      expect *= shape[i];
    }
    return true;
  }

  /** true for FLOAT, false for DOUBLE; the engine runs in no other type. */
  static boolean isFloat(INDArray a) {
    DataType dt = a.dataType();
    if (dt == DataType.FLOAT) return true;
    if (dt == DataType.DOUBLE) return false;
    throw new IllegalArgumentException("kernels run in FLOAT or DOUBLE, got " + dt);
  }

  static FloatBuffer floats(INDArray a) {
    int n = checkC(a);
    FloatPointer p = new FloatPointer(a.data().addressPointer());
    return p.position(0).limit(n).capacity(n).asBuffer();
  }

  static DoubleBuffer doubles(INDArray a) {
    int n = checkC(a);
    DoublePointer p = new DoublePointer(a.data().addressPointer());
    return p.position(0).limit(n).capacity(n).asBuffer();
  }

  /** a[at, at + len) = v[off, off + len), widened for DOUBLE (a c-order contiguous FLOAT or DOUBLE array). */
  static void put(INDArray a, int at, float[] v, int off, int len) {
    if (isFloat(a)) {
      floats(a).put(at, v, off, len);
      return;
    }
    double[] d = CONVERTED.doubles(len);
    for (int i = 0; i < len; i++) d[i] = v[off + i];
    doubles(a).put(at, d, 0, len);
  }

  /** a[at, at + len) = v[off, off + len), rounded to float for FLOAT (a c-order contiguous FLOAT or DOUBLE array). */
  static void put(INDArray a, int at, double[] v, int off, int len) {
    if (!isFloat(a)) {
      doubles(a).put(at, v, off, len);
      return;
    }
    float[] f = CONVERTED.floats(len);
    for (int i = 0; i < len; i++) f[i] = (float) v[off + i];
    floats(a).put(at, f, 0, len);
  }

  /** out [n, cols]: out[rows[i]] = src[i] for src [rows.length, cols], zero elsewhere. */
  static INDArray scatterRows(INDArray src, int[] rows, int n) {
    int cols = (int) src.size(1);
    INDArray out = Nd4j.zeros(src.dataType(), n, cols);
    int m = checkC(src);
    if (isFloat(src)) {
      float[] s = ROWS.floats(m);
      floats(src).get(0, s, 0, m);
      FloatBuffer ob = floats(out);
      for (int i = 0; i < rows.length; i++) ob.put(rows[i] * cols, s, i * cols, cols);
    } else {
      double[] s = ROWS.doubles(m);
      doubles(src).get(0, s, 0, m);
      DoubleBuffer ob = doubles(out);
      for (int i = 0; i < rows.length; i++) ob.put(rows[i] * cols, s, i * cols, cols);
    }
    return out;
  }

  /** A new c-order copy of a packed array (one memcpy, no ND4J op). */
  static INDArray copyOf(INDArray a) {
    INDArray c = Nd4j.createUninitialized(a.dataType(), a.shape());
    if (!isPacked(a)) return c.assign(a);
    org.bytedeco.javacpp.Pointer.memcpy(c.data().addressPointer(), a.data().addressPointer(), a.length() * a.dataType().width());
    return c;
  }
}
