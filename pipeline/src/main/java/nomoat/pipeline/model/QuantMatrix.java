package nomoat.pipeline.model;

import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * A frozen matrix kept as ggml quantised blocks (Q8_0, Q4_0, Q4_K, Q6_K), row-major: each row is cols / blockElems
 * blocks. Tiles are dequantised block by block, exactly as the whole tensor would be.
 */
final class QuantMatrix extends TiledMatrix {
  private final QuantBlocks.Quant quant;
  private final ByteBuffer data;           // absolute reads only: safe to share between threads
  private final int rowBytes;
  private final int rotaryHeads;           // > 0: rows are stored in Meta's interleaved rotary order (GGUF q/k)

  private static final ThreadLocal<byte[]> RAW = ThreadLocal.withInitial(() -> new byte[0]);

  QuantMatrix(QuantBlocks.Quant quant, long rows, long cols, ByteBuffer data, int tileElements) {
    this(quant, rows, cols, data, 0, tileElements);
  }

  QuantMatrix(QuantBlocks.Quant quant, long rows, long cols, ByteBuffer data, int rotaryHeads, int tileElements) {
    super(rows, cols, tileElements);
    this.rotaryHeads = checkedRotaryHeads(rotaryHeads);
    if (cols % quant.blockElems != 0)
      throw new IllegalArgumentException(quant + " rows of " + cols + " values are not whole blocks of " + quant.blockElems);
    this.quant = quant;
    this.rowBytes = (int) (cols / quant.blockElems * quant.blockBytes);
    if (data.capacity() < rows * rowBytes)
      throw new IllegalArgumentException("a " + rows + " x " + cols + " " + quant + " matrix needs " + rows * rowBytes + " bytes, got " + data.capacity());
    this.data = data;
  }

  @Override TiledMatrix withTileElements(int n) { return new QuantMatrix(quant, rows, cols, data, rotaryHeads, n); }

  @Override public void storedRows(int r0, int r1, byte[] dst, int off) {
    for (int r = r0; r < r1; r++, off += rowBytes) data.get(storedRow(r, rotaryHeads) * rowBytes, dst, off, rowBytes);
  }

  @Override public int storedRowBytes() { return rowBytes; }

  /** The block format. */
  public QuantBlocks.Quant quant() { return quant; }

  @Override public String format() { return quant.name().toLowerCase(Locale.ROOT); }

  @Override public long storedBytes() { return (long) rows * rowBytes; }

  @Override void widen(int r0, int r1, int c0, int c1, float[] dst) {
    int b0 = c0 / quant.blockElems, nb = (c1 - c0 + quant.blockElems - 1) / quant.blockElems, w = c1 - c0;
    byte[] raw = raw(nb * quant.blockBytes);
    for (int r = r0, o = 0; r < r1; r++, o += w) {
      data.get(storedRow(r, rotaryHeads) * rowBytes + b0 * quant.blockBytes, raw, 0, nb * quant.blockBytes);
      QuantBlocks.dequantize(quant, raw, 0, nb, dst, o);
    }
  }

  private static byte[] raw(int n) {
    byte[] a = RAW.get();
    if (a.length < n) RAW.set(a = new byte[n]);
    return a;
  }
}
