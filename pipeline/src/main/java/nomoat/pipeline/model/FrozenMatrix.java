package nomoat.pipeline.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A frozen weight W [rows, cols] (HF layout: [out, in] for a projection, [vocab, hidden] for the embedding and LM head)
 * kept in the precision it was stored in, with the only operations the engine needs from it: the two products
 * (forward y = x W^T, backward dx = dy W) and row lookups (the embedding). The engine computes in FP32 (or DOUBLE in
 * tests): {@link #dense} wraps an array of the compute type; narrow formats (BF16, F16, GGUF blocks) widen a tile of W
 * at a time into FP32; both run the engine's gemm on the same tiles ({@link TiledMatrix}).
 * Widening BF16/F16 and dequantising a GGUF block are exact, so a narrow matrix computes with the same numbers as its
 * FP32 copy ({@link #toDense()}). Immutable and shareable between threads.
 */
public abstract class FrozenMatrix {
  FrozenMatrix() {}

  public abstract long rows();

  public abstract long columns();

  /** What the elements are stored as: "float32", "float64", "bfloat16", "float16", "q8_0", ... */
  public abstract String format();

  /** Bytes the elements take in memory. */
  public abstract long storedBytes();

  /** Bytes of one row as stored (FP32: 4 per value; blocks: whole blocks). */
  public abstract int storedRowBytes();

  /**
   * Rows [r0, r1) as stored (little-endian FP32, 16-bit floats or ggml blocks), in logical (HF) row order, into dst from
   * off: what a writer puts in a file. (r1 - r0) * {@link #storedRowBytes} bytes.
   */
  public abstract void storedRows(int r0, int r1, byte[] dst, int off);

  /** The type products return and take: FLOAT for every narrow format. */
  public abstract DataType computeType();

  /** W in the compute type [rows, cols]: the wrapped array itself for {@link #dense}, else a widened copy. */
  public abstract INDArray toDense();

  /** Rows ids of W [ids.length, cols] (embedding lookup). */
  abstract INDArray gatherRows(int[] ids);

  /** x W^T: x [N, cols] -> a new [N, rows]. */
  abstract INDArray mulTransposed(Gemm gemm, INDArray x);

  /** y = x W^T + beta y; x [N, cols], y [N, rows]. */
  abstract void mulTransposedInto(Gemm gemm, INDArray x, INDArray y, double beta);

  /** dy W: dy [N, rows] -> a new [N, cols]. */
  abstract INDArray mul(Gemm gemm, INDArray dy);

  /** dx = dy W + beta dx; dy [N, rows], dx [N, cols]. */
  abstract void mulInto(Gemm gemm, INDArray dy, INDArray dx, double beta);

  // ---------------------------------------------------------------------------------------------------------------
  // the formats

  /** An array in the compute type (FLOAT or DOUBLE, any rank; products need rank 2). */
  public static FrozenMatrix dense(INDArray a) { return new Dense(a); }

  /** rows x cols bfloat16 values, row-major, little-endian in data (heap, direct or memory-mapped). */
  public static FrozenMatrix bfloat16(long rows, long cols, ByteBuffer data) {
    return new HalfMatrix(rows, cols, data, true);
  }

  /** rows x cols IEEE half values, row-major, little-endian in data. */
  public static FrozenMatrix float16(long rows, long cols, ByteBuffer data) {
    return new HalfMatrix(rows, cols, data, false);
  }

  /** rows x cols values as ggml quantised blocks (whole blocks per row), row-major. */
  public static FrozenMatrix quantized(QuantBlocks.Quant quant, long rows, long cols, ByteBuffer data) {
    return new QuantMatrix(quant, rows, cols, data, TiledMatrix.DEFAULT_TILE_ELEMENTS);
  }

  /**
   * A matrix of 16-bit floats (bfloat16 or IEEE half) whose rows are stored in Meta's interleaved rotary order, per head
   * of rows / rotaryHeads rows (GGUF q/k weights): row r of this matrix is HF's row r, read in place (a mapped file stays
   * mapped). rotaryHeads = 0: rows as stored.
   */
  public static FrozenMatrix half(boolean bfloat16, long rows, long cols, ByteBuffer data, int rotaryHeads) {
    return new HalfMatrix(rows, cols, data, bfloat16, rotaryHeads, TiledMatrix.DEFAULT_TILE_ELEMENTS);
  }

  /** {@link #quantized(QuantBlocks.Quant, long, long, ByteBuffer)} with rows in Meta's interleaved rotary order (see {@link #half}). */
  public static FrozenMatrix quantized(QuantBlocks.Quant quant, long rows, long cols, ByteBuffer data, int rotaryHeads) {
    return new QuantMatrix(quant, rows, cols, data, rotaryHeads, TiledMatrix.DEFAULT_TILE_ELEMENTS);
  }

  /** A FLOAT/DOUBLE 2D array quantised to Q8_0 blocks as ggml's reference quantiser does ({@link QuantBlocks#quantizeQ8_0}). */
  public static FrozenMatrix quantizedQ8_0(INDArray a) {
    if (a.rank() != 2) throw new IllegalArgumentException("only matrices are quantised, got shape " + java.util.Arrays.toString(a.shape()));
    long rows = a.rows(), cols = a.columns();
    if (cols % 32 != 0) throw new IllegalArgumentException("Q8_0 needs rows of whole 32-value blocks, got " + cols + " columns");
    int rowBytes = (int) QuantBlocks.q8_0Bytes(cols);
    ByteBuffer data = allocate(rows * rowBytes);
    INDArray f = a.dataType() == DataType.FLOAT && Buffers.isPacked(a) ? a : a.castTo(DataType.FLOAT).dup('c');
    float[] row = new float[(int) cols];
    byte[] q = new byte[rowBytes];
    for (long r = 0; r < rows; r++) {
      Buffers.floats(f).get((int) (r * cols), row, 0, (int) cols);
      QuantBlocks.quantizeQ8_0(row, 0, (int) cols, q, 0);
      data.put((int) (r * rowBytes), q);
    }
    return new QuantMatrix(QuantBlocks.Quant.Q8_0, rows, cols, data, TiledMatrix.DEFAULT_TILE_ELEMENTS);
  }

  /** A FLOAT/DOUBLE 2D array rounded to bfloat16 (bfloat16 = true) or half (round to nearest even). */
  public static FrozenMatrix roundedToHalf(INDArray a, boolean bfloat16) {
    if (a.rank() != 2) throw new IllegalArgumentException("only matrices are stored narrow, got shape " + java.util.Arrays.toString(a.shape()));
    long rows = a.rows(), cols = a.columns();
    ByteBuffer data = allocate(rows * cols * 2);
    INDArray f = a.dataType() == DataType.FLOAT && Buffers.isPacked(a) ? a : a.castTo(DataType.FLOAT).dup('c');
    float[] row = new float[(int) cols];
    for (long r = 0; r < rows; r++) {
      Buffers.floats(f).get((int) (r * cols), row, 0, (int) cols);
      for (int c = 0; c < cols; c++) data.putShort((int) ((r * cols + c) * 2), bfloat16 ? HalfFloats.floatToBf16(row[c]) : HalfFloats.floatToHalf(row[c]));
    }
    return new HalfMatrix(rows, cols, data, bfloat16);
  }

  /** A zeroed little-endian direct buffer of n bytes (off the Java heap, like the FP32 arrays it replaces). */
  public static ByteBuffer allocate(long n) {
    if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("a narrow tensor of " + n + " bytes exceeds 2 GiB");
    return ByteBuffer.allocateDirect((int) n).order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * The compute-type array as it is (FP32, or DOUBLE in tests). Its products run on tiles too, as views (no copies), so
   * that a narrow matrix and its FP32 copy go through the very same gemm calls: OpenBLAS's result for one element
   * depends on the extent of the whole product (not only on its dot product), so a single whole-matrix gemm would
   * differ from tiles in the last bits.
   */
  static final class Dense extends TiledMatrix {
    final INDArray a;

    Dense(INDArray a) { this(a, DEFAULT_TILE_ELEMENTS); }

    private Dense(INDArray a, int tileElements) {
      super(a.rank() == 2 ? a.rows() : 1, a.rank() == 2 ? a.columns() : a.length(), tileElements);
      this.a = a;
    }

    @Override TiledMatrix withTileElements(int n) { return new Dense(a, n); }

    @Override public String format() { return a.dataType() == DataType.DOUBLE ? "float64" : "float32"; }

    @Override public long storedBytes() { return a.length() * a.dataType().width(); }

    @Override public DataType computeType() { return a.dataType(); }

    @Override public INDArray toDense() { return a; }

    @Override INDArray gatherRows(int[] ids) { return Nd4j.pullRows(a, 1, ids); }

    @Override INDArray tile(int r0, int r1, int c0, int c1) {
      return r0 == 0 && c0 == 0 && r1 == rows && c1 == cols ? a
          : a.get(NDArrayIndex.interval(r0, r1), NDArrayIndex.interval(c0, c1));
    }

    @Override void widen(int r0, int r1, int c0, int c1, float[] dst) {
      throw new UnsupportedOperationException("dense tiles are views");
    }

    @Override public int storedRowBytes() { return 4 * cols; }

    @Override public void storedRows(int r0, int r1, byte[] dst, int off) {
      if (a.dataType() != DataType.FLOAT) throw new IllegalArgumentException("only FLOAT arrays are stored as FP32 bytes, got " + a.dataType());
      INDArray f = Buffers.isPacked(a) ? a : a.dup('c');
      float[] v = new float[cols];
      ByteBuffer out = ByteBuffer.wrap(dst).order(ByteOrder.LITTLE_ENDIAN);
      for (int r = r0; r < r1; r++, off += 4 * cols) {
        Buffers.floats(f).get(r * cols, v, 0, cols);
        for (int i = 0; i < cols; i++) out.putFloat(off + 4 * i, v[i]);
      }
    }
  }
}
