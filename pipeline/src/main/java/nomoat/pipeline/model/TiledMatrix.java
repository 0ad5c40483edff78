package nomoat.pipeline.model;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A frozen matrix whose products run one tile of W at a time through the engine's ordinary gemm. A narrow format widens
 * each tile into a reused FP32 array (llama.cpp's approach); an FP32 array's tiles are views of it. Both directions keep the whole summation inside one gemm call
 * per tile, so every output element is the same dot product as with the FP32 copy of W:
 * <ul>
 *   <li>forward y = x W^T sums over W's columns: tiles are blocks of W's rows (whole rows), each giving a block of
 *       y's columns;</li>
 *   <li>backward dx = dy W sums over W's rows: tiles are blocks of W's columns (whole columns), each giving a block
 *       of dx's columns.</li>
 * </ul>
 * Forward tiles are {@link #ALIGN} rows high, backward tiles {@link #COLUMN_ALIGN} columns wide (or multiples), for
 * every format alike: FP32 arrays run the same tiles as views, so the storage precision never changes the order of any
 * sum, and a narrow matrix computes bit for bit what its FP32 copy does (tests check this per format). Against one
 * whole-matrix gemm the tiles differ in the last bits: OpenBLAS's result for an element depends on the extent of the
 * whole product, not only on its dot product. Subclasses say how to get a tile ({@link #tile}; narrow formats: {@link #widen}).
 */
abstract class TiledMatrix extends FrozenMatrix {
  /** Elements of W widened per tile (4 MB of FP32: big enough for gemm to run at speed, small enough to stay cached). */
  static final int DEFAULT_TILE_ELEMENTS = 1 << 20;

  /** Tile heights and widths are multiples of this (OpenBLAS's kernels unroll by 4 to 32; 64 covers them). */
  static final int ALIGN = 64;

  final int rows, cols;
  private final int tileElements;

  TiledMatrix(long rows, long cols, int tileElements) {
    if (rows < 1 || cols < 1 || rows * cols > Integer.MAX_VALUE)
      throw new IllegalArgumentException("narrow matrix of " + rows + " x " + cols + " elements is not supported");
    this.rows = (int) rows;
    this.cols = (int) cols;
    this.tileElements = tileElements;
  }

  /** rotaryHeads if it can split the rows into heads of an even size (0: rows in their logical order). */
  final int checkedRotaryHeads(int heads) {
    if (heads < 0 || (heads > 0 && rows % (2 * heads) != 0))
      throw new IllegalArgumentException(rows + " rows cannot be " + heads + " rotary heads");
    return heads;
  }

  /**
   * Where logical row r (HF's rotate_half order) is stored when the rows are kept in Meta's interleaved rotary layout
   * per head (GGUF q/k): HF row h*hd + j*hd/2 + i is stored row h*hd + 2i + j. heads = 0: r itself.
   */
  final int storedRow(int r, int heads) {
    if (heads == 0) return r;
    int hd = rows / heads, half = hd / 2, h = r / hd, rem = r % hd;
    return h * hd + 2 * (rem % half) + rem / half;
  }

  /** W[r0:r1, c0:c1] widened to FP32, row-major, into dst[0, (r1-r0)*(c1-c0)). c0 and c1 are multiples of {@link #COLUMN_ALIGN} (or c1 = cols). */
  abstract void widen(int r0, int r1, int c0, int c1, float[] dst);

  /**
   * Backward tiles are this many columns wide, or a multiple: whole blocks of every GGUF format (32 or 256 values),
   * and one tile geometry for every format, so that all formats run the very same gemm calls.
   */
  static final int COLUMN_ALIGN = 256;

  /** Rows per forward tile. */
  private int rowStep() { return Math.max(ALIGN, tileElements / cols / ALIGN * ALIGN); }

  /** Columns per backward tile. */
  private int columnTile() { return Math.max(COLUMN_ALIGN, tileElements / rows / COLUMN_ALIGN * COLUMN_ALIGN); }

  /** The same data with other tiles (tests use tiny tiles to cover partial and many tiles). */
  abstract TiledMatrix withTileElements(int n);

  int tileElements() { return tileElements; }

  @Override public long rows() { return rows; }

  @Override public long columns() { return cols; }

  @Override public DataType computeType() { return DataType.FLOAT; }

  /** W[r0:r1, c0:c1] in the compute type, valid until this thread's next tile of the same shape. */
  INDArray tile(int r0, int r1, int c0, int c1) { return widenedTile(r0, r1, c0, c1); }

  @Override public INDArray toDense() {
    INDArray out = Nd4j.createUninitialized(DataType.FLOAT, rows, cols);
    int step = Math.max(1, tileElements / cols);
    for (int r0 = 0; r0 < rows; r0 += step) {
      int r1 = Math.min(rows, r0 + step);
      float[] f = WIDENED.floats((r1 - r0) * cols);
      widen(r0, r1, 0, cols, f);
      Buffers.floats(out).put(r0 * cols, f, 0, (r1 - r0) * cols);
    }
    return out;
  }

  @Override INDArray gatherRows(int[] ids) {
    INDArray out = Nd4j.createUninitialized(DataType.FLOAT, ids.length, cols);
    float[] f = WIDENED.floats(cols);
    for (int i = 0; i < ids.length; i++) {
      widen(ids[i], ids[i] + 1, 0, cols, f);
      Buffers.floats(out).put(i * cols, f, 0, cols);
    }
    return out;
  }

  @Override INDArray mulTransposed(Gemm gemm, INDArray x) {
    INDArray y = Nd4j.createUninitialized(computeType(), x.rows(), rows);
    mulTransposedInto(gemm, x, y, 0.0);
    return y;
  }

  @Override void mulTransposedInto(Gemm gemm, INDArray x, INDArray y, double beta) {
    check(x, cols, y, rows);
    int step = rowStep();
    for (int r0 = 0; r0 < rows; r0 += step) {
      int r1 = Math.min(rows, r0 + step);
      INDArray tile = tile(r0, r1, 0, cols);                                   // W[r0:r1, :]
      product(gemm, x, tile, columns(y, r0, r1), true, beta);                  // y[:, r0:r1] = x tile^T + beta y[:, r0:r1]
    }
  }

  @Override INDArray mul(Gemm gemm, INDArray dy) {
    INDArray dx = Nd4j.createUninitialized(computeType(), dy.rows(), cols);
    mulInto(gemm, dy, dx, 0.0);
    return dx;
  }

  @Override void mulInto(Gemm gemm, INDArray dy, INDArray dx, double beta) {
    check(dy, rows, dx, cols);
    int step = columnTile();
    for (int c0 = 0; c0 < cols; c0 += step) {
      int c1 = Math.min(cols, c0 + step);
      INDArray tile = tile(0, rows, c0, c1);                                   // W[:, c0:c1]
      product(gemm, dy, tile, columns(dx, c0, c1), false, beta);               // dx[:, c0:c1] = dy tile + beta dx[:, c0:c1]
    }
  }

  private void check(INDArray in, long inCols, INDArray out, long outCols) {
    if (in.dataType() != computeType() || out.dataType() != computeType())
      throw new IllegalArgumentException(format() + " weights compute in " + computeType() + ", got " + in.dataType() + " / " + out.dataType());
    if (in.rank() != 2 || out.rank() != 2 || in.columns() != inCols || out.columns() != outCols || in.rows() != out.rows())
      throw new IllegalArgumentException("product with a " + rows + " x " + cols + " weight: shapes " + java.util.Arrays.toString(in.shape())
          + " -> " + java.util.Arrays.toString(out.shape()));
  }

  private static INDArray columns(INDArray a, int c0, int c1) {
    return c0 == 0 && c1 == a.columns() ? a : a.get(NDArrayIndex.all(), NDArrayIndex.interval(c0, c1));
  }

  /** out = a op(tile) + beta out, through the engine's gemm (straight to cblas when it can; else ND4J, then copied in). */
  private static void product(Gemm gemm, INDArray a, INDArray tile, INDArray out, boolean transposed, double beta) {
    if (gemm.direct()) {
      gemm.mmInto(a, tile, out, false, transposed, 1.0, beta);
      return;
    }
    INDArray r = gemm.mm(a, tile, false, transposed);
    if (beta == 0.0) out.assign(r);
    else out.muli(beta).addi(r);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // per-thread tiles: one FP32 array per tile shape, allocated outside any workspace and reused by every product

  private static final Scratch WIDENED = new Scratch();
  private static final ThreadLocal<Map<Long, INDArray>> TILES = ThreadLocal.withInitial(HashMap::new);

  /** W[r0:r1, c0:c1] as this thread's FP32 tile of that shape. */
  private INDArray widenedTile(int r0, int r1, int c0, int c1) {
    int h = r1 - r0, w = c1 - c0;
    INDArray tile = TILES.get().get(((long) h << 32) | w);
    if (tile == null) {
      try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        tile = Nd4j.createUninitialized(DataType.FLOAT, h, w);
      }
      TILES.get().put(((long) h << 32) | w, tile);
    }
    float[] f = WIDENED.floats(h * w);
    widen(r0, r1, c0, c1, f);
    Buffers.floats(tile).put(0, f, 0, h * w);
    return tile;
  }
}
