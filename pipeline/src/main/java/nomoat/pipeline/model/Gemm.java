package nomoat.pipeline.model;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix products on the arrays' buffers, straight through OpenBLAS's cblas_sgemm / cblas_dgemm (the library ND4J's
 * CPU backend itself links and sets the thread count of). Why not Nd4j.gemm / Nd4j.matmul: with one engine thread
 * per core, their op-executioner path adds a fixed cost per call and, with two threads calling at once, more per
 * product than the same cblas call (dated numbers: README, "Benchmarks"), and a batched matmul is one cblas call per
 * batch entry anyway. Anything cblas cannot take as it is (another dtype, strided rows, the CUDA backend) goes to
 * ND4J unchanged. One instance per {@link EngineOptions.GemmPath}; the layers use their model's.
 */
final class Gemm {
  /** The CPU backend (not CUDA) and a loadable OpenBLAS: cblas can be called directly. */
  static final boolean OPENBLAS_REACHABLE = openblasReachable();

  /** Straight through cblas where possible (where OpenBLAS is reachable), else ND4J. */
  static final Gemm OPENBLAS = new Gemm(OPENBLAS_REACHABLE);
  /** Always ND4J's own gemm/matmul (for comparison). */
  static final Gemm ND4J = new Gemm(false);

  static Gemm of(EngineOptions.GemmPath path) {
    return path == EngineOptions.GemmPath.ND4J ? ND4J : OPENBLAS;
  }

  private final boolean direct;

  private Gemm(boolean direct) { this.direct = direct; }

  /** Whether products go straight to cblas (when the operands allow it). */
  boolean direct() { return direct; }

  /** a @ b with optional transposes (no copies: BLAS transpose flags), a new c-order array. */
  INDArray mm(INDArray a, INDArray b, boolean ta, boolean tb) {
    return product(a, b, ta, tb, 1.0);
  }

  /** alpha * (a @ b), as {@link #mm(INDArray, INDArray, boolean, boolean)}. */
  INDArray mm(INDArray a, INDArray b, boolean ta, boolean tb, double alpha) {
    return product(a, b, ta, tb, alpha);
  }

  /** c = alpha * op(a) @ op(b) + beta * c, written into c. */
  void mmInto(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double alpha, double beta) {
    if (!direct || !sameFloatingType(a, b, c) || !direct2d(a, b, c, ta, tb, alpha, beta))
      Nd4j.gemm(a, b, c, ta, tb, alpha, beta);
  }

  /** Batched product of 3D c-order arrays [batch, rows, cols]: a new [batch, m, n] array. */
  INDArray bmm(INDArray a, INDArray b, boolean ta, boolean tb) {
    return batched(a, b, null, ta, tb, 1.0, 0.0);
  }

  /** c[i] = op(a[i]) @ op(b[i]) + beta * c[i] for 3D c-order arrays. */
  void bmmInto(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double beta) {
    batched(a, b, c, ta, tb, 1.0, beta);
  }

  private static boolean openblasReachable() {
    try {
      if (!Nd4j.getBackend().getClass().getName().contains("Cpu")) return false;
      org.bytedeco.javacpp.Loader.load(openblas_nolapack.class);
      return true;
    } catch (Throwable e) {               // no OpenBLAS natives: ND4J's own path still works
      return false;
    }
  }

  /** A 2D operand as cblas sees it: row-major with leading dimension ld, transposed when stored column-major. */
  private record Operand(Pointer at, int ld, boolean transposed) {}

  /** null when a is not a 2D FLOAT/DOUBLE array whose rows or columns are contiguous. */
  private static Operand operand(INDArray a) {
    if (a.rank() != 2) return null;
    long[] st = a.stride();
    long rows = a.rows(), cols = a.columns();
    if ((st[1] == 1 || cols == 1) && st[0] >= Math.max(1, cols)) return new Operand(at(a, 0), (int) Math.max(st[0], cols), false);
    if ((st[0] == 1 || rows == 1) && st[1] >= Math.max(1, rows)) return new Operand(at(a, 0), (int) Math.max(st[1], rows), true);
    return null;
  }

  /**
   * A pointer to a's first element plus {@code elements}. A view's data buffer already starts at the view (its
   * offset is the array's); the difference covers arrays whose offset lies inside their buffer. The pointer does
   * not own the memory: the INDArray keeps it alive.
   */
  private static Pointer at(INDArray a, long elements) {
    long pos = a.offset() - a.data().offset() + elements;
    Pointer base = a.data().addressPointer();
    return a.dataType() == DataType.FLOAT ? new FloatPointer(base).position(pos) : new DoublePointer(base).position(pos);
  }

  /** alpha * op(a) @ op(b) as a new c-order array. */
  private INDArray product(INDArray a, INDArray b, boolean ta, boolean tb, double alpha) {
    long m = ta ? a.columns() : a.rows(), n = tb ? b.rows() : b.columns();
    if (!direct || !sameFloatingType(a, b, a)) {
      INDArray c = Nd4j.gemm(a, b, ta, tb);
      return alpha == 1.0 ? c : c.muli(alpha);
    }
    INDArray c = Nd4j.createUninitialized(a.dataType(), m, n);     // beta = 0: cblas never reads c
    if (!direct2d(a, b, c, ta, tb, alpha, 0.0)) {
      Nd4j.gemm(a, b, c, ta, tb, 1.0, 0.0);
      if (alpha != 1.0) c.muli(alpha);
    }
    return c;
  }

  /**
   * Batched: for every i, c[i] = alpha * op(a[i]) @ op(b[i]) + beta * c[i], on 3D c-order contiguous arrays
   * [batch, rows, cols]. c == null allocates a new [batch, m, n] array (beta ignored).
   */
  private INDArray batched(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double alpha, double beta) {
    long batch = a.size(0);
    long m = ta ? a.size(2) : a.size(1), k = ta ? a.size(1) : a.size(2), n = tb ? b.size(1) : b.size(2);
    if ((tb ? b.size(2) : b.size(1)) != k || b.size(0) != batch)
      throw new IllegalArgumentException("batched gemm: shapes " + java.util.Arrays.toString(a.shape()) + " and "
          + java.util.Arrays.toString(b.shape()) + " do not multiply");
    boolean fresh = c == null;
    if (fresh) {
      c = Nd4j.createUninitialized(a.dataType(), batch, m, n);
      beta = 0.0;
    }
    if (!direct || !sameFloatingType(a, b, c) || !Buffers.isPacked(a) || !Buffers.isPacked(b) || !Buffers.isPacked(c)) {
      INDArray r = Nd4j.matmul(a, b, null, ta, tb, false);
      if (alpha != 1.0) r.muli(alpha);
      if (fresh) return c.assign(r);
      return beta == 0.0 ? c.assign(r) : c.muli(beta).addi(r);
    }
    long aStep = a.size(1) * a.size(2), bStep = b.size(1) * b.size(2), cStep = m * n;
    int lda = (int) a.size(2), ldb = (int) b.size(2), ldc = (int) n;
    for (long i = 0; i < batch; i++)
      call(a.dataType(), ta, tb, (int) m, (int) n, (int) k, alpha, at(a, i * aStep), lda, at(b, i * bStep), ldb, beta, at(c, i * cStep), ldc);
    return c;
  }

  private static boolean sameFloatingType(INDArray a, INDArray b, INDArray c) {
    DataType t = a.dataType();
    return (t == DataType.FLOAT || t == DataType.DOUBLE) && b.dataType() == t && c.dataType() == t;
  }

  private static boolean direct2d(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double alpha, double beta) {
    if (c.rank() != 2 || a.rank() != 2 || b.rank() != 2) return false;
    long m = ta ? a.columns() : a.rows(), k = ta ? a.rows() : a.columns(), n = tb ? b.rows() : b.columns();
    if ((tb ? b.columns() : b.rows()) != k || c.rows() != m || c.columns() != n)
      throw new IllegalArgumentException("gemm: shapes " + java.util.Arrays.toString(a.shape()) + (ta ? "^T" : "") + " and "
          + java.util.Arrays.toString(b.shape()) + (tb ? "^T" : "") + " into " + java.util.Arrays.toString(c.shape()));
    if (m == 0 || n == 0) return true;
    if (k == 0) {                                        // an empty sum: the result is beta * c
      if (beta == 0.0) c.assign(0);
      else if (beta != 1.0) c.muli(beta);
      return true;
    }
    Operand oa = operand(a), ob = operand(b), oc = operand(c);
    if (oa == null || ob == null || oc == null || oc.transposed()) return false;
    call(a.dataType(), ta ^ oa.transposed(), tb ^ ob.transposed(), (int) m, (int) n, (int) k, alpha, oa.at(), oa.ld(),
        ob.at(), ob.ld(), beta, oc.at(), oc.ld());
    return true;
  }

  private static void call(DataType t, boolean ta, boolean tb, int m, int n, int k, double alpha, Pointer a, int lda, Pointer b,
                           int ldb, double beta, Pointer c, int ldc) {
    int opA = ta ? CblasTrans : CblasNoTrans, opB = tb ? CblasTrans : CblasNoTrans;
    if (t == DataType.FLOAT)
      openblas_nolapack.cblas_sgemm(CblasRowMajor, opA, opB, m, n, k, (float) alpha, (FloatPointer) a, lda, (FloatPointer) b, ldb,
          (float) beta, (FloatPointer) c, ldc);
    else
      openblas_nolapack.cblas_dgemm(CblasRowMajor, opA, opB, m, n, k, alpha, (DoublePointer) a, lda, (DoublePointer) b, ldb, beta,
          (DoublePointer) c, ldc);
  }
}
