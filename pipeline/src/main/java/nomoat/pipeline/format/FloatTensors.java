package nomoat.pipeline.format;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Moves floats between Java chunks and a dense FP32 INDArray's off-heap buffer, so a large tensor is filled
 * or drained a chunk at a time instead of through one giant float[] on the heap.
 */
final class FloatTensors {
  private FloatTensors() {}

  /** A new C-order FP32 array of this shape whose contents the caller fills with {@link #put}. */
  static INDArray allocate(long[] shape) {
    return Nd4j.createUninitialized(DataType.FLOAT, shape.length == 0 ? new long[0] : shape, 'c');
  }

  static void put(INDArray dst, long offset, float[] src, int n) {
    FloatPointer p = new FloatPointer(dst.data().pointer());
    p.position(offset).put(src, 0, n);
  }

  /** A dense C-order FP32 copy (or the array itself when it already is one). */
  static INDArray denseFloat(INDArray a) {
    INDArray f = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
    if (f.isView() || f.ordering() != 'c' || f.data().offset() != 0 || f.data().length() != f.length()) f = f.dup('c');
    return f;
  }

  static void get(INDArray denseSrc, long offset, float[] dst, int n) {
    FloatPointer p = new FloatPointer(denseSrc.data().pointer());
    p.position(offset).get(dst, 0, n);
  }
}
