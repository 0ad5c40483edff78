package nomoat.pipeline.model;

/**
 * One named per-thread Java array that the kernels copy a block of rows into (bulk copies out of and back into the
 * native buffers are much cheaper than element-wise buffer access). It grows to the largest request and is reused;
 * its contents are garbage on entry. Each kernel uses its own named buffers, so a buffer is never shared by two
 * arrays of one kernel call; the kernels never call each other, so buffers with the same use may be shared between
 * kernels.
 */
final class Scratch {
  private final ThreadLocal<float[]> floats = ThreadLocal.withInitial(() -> new float[0]);
  private final ThreadLocal<double[]> doubles = ThreadLocal.withInitial(() -> new double[0]);

  /** This thread's float buffer, at least n long. */
  float[] floats(int n) {
    float[] a = floats.get();
    if (a.length < n) floats.set(a = new float[n]);
    return a;
  }

  /** This thread's double buffer, at least n long. */
  double[] doubles(int n) {
    double[] a = doubles.get();
    if (a.length < n) doubles.set(a = new double[n]);
    return a;
  }
}
