package nomoat.pipeline.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;

/** A frozen matrix of 16-bit floats, bfloat16 or IEEE half, row-major; widening to FP32 is exact for both. */
final class HalfMatrix extends TiledMatrix {
  private final ByteBuffer data;
  private final ShortBuffer halves;     // absolute reads only: safe to share between threads
  private final boolean bfloat16;
  private final int rotaryHeads;        // > 0: rows are stored in Meta's interleaved rotary order (GGUF q/k)

  private static final float[] HALF_TO_FLOAT = HalfFloats.HALF_TO_FLOAT;

  private static final ThreadLocal<short[]> RAW_HALVES = ThreadLocal.withInitial(() -> new short[0]);

  HalfMatrix(long rows, long cols, ByteBuffer data, boolean bfloat16) {
    this(rows, cols, data, bfloat16, 0, DEFAULT_TILE_ELEMENTS);
  }

  HalfMatrix(long rows, long cols, ByteBuffer data, boolean bfloat16, int rotaryHeads, int tileElements) {
    super(rows, cols, tileElements);
    this.rotaryHeads = checkedRotaryHeads(rotaryHeads);
    if (data.capacity() < rows * cols * 2)
      throw new IllegalArgumentException("a " + rows + " x " + cols + " 16-bit matrix needs " + rows * cols * 2 + " bytes, got " + data.capacity());
    this.data = data;
    this.halves = data.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0).slice().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
    this.bfloat16 = bfloat16;
  }

  @Override TiledMatrix withTileElements(int n) { return new HalfMatrix(rows, cols, data, bfloat16, rotaryHeads, n); }

  @Override public void storedRows(int r0, int r1, byte[] dst, int off) {
    for (int r = r0; r < r1; r++, off += 2 * cols) data.get(storedRow(r, rotaryHeads) * 2 * cols, dst, off, 2 * cols);
  }

  @Override public int storedRowBytes() { return 2 * cols; }

  @Override public String format() { return bfloat16 ? "bfloat16" : "float16"; }

  @Override public long storedBytes() { return (long) rows * cols * 2; }

  boolean isBfloat16() { return bfloat16; }

  @Override void widen(int r0, int r1, int c0, int c1, float[] dst) {
    int w = c1 - c0;
    short[] raw = rawHalves(w);
    for (int r = r0, o = 0; r < r1; r++, o += w) {
      halves.get(storedRow(r, rotaryHeads) * cols + c0, raw, 0, w);
      if (bfloat16) for (int i = 0; i < w; i++) dst[o + i] = Float.intBitsToFloat(raw[i] << 16);
      else for (int i = 0; i < w; i++) dst[o + i] = HALF_TO_FLOAT[raw[i] & 0xffff];
    }
  }

  private static short[] rawHalves(int n) {
    short[] a = RAW_HALVES.get();
    if (a.length < n) RAW_HALVES.set(a = new short[n]);
    return a;
  }
}
