package nomoat.pipeline.model;

/**
 * Dequantisation of ggml's quantised blocks to FP32, as llama.cpp's ggml-quants.c defines each layout. One block at
 * a time from raw little-endian bytes; the GGUF reader and the engine's {@link QuantMatrix} tiles both use it.
 */
public final class QuantBlocks {
  private QuantBlocks() {}

  /** The quantised formats: values per block and bytes per block. */
  public enum Quant {
    Q4_0(32, 18), Q8_0(32, 34), Q4_K(256, 144), Q6_K(256, 210);

    public final int blockElems, blockBytes;

    Quant(int blockElems, int blockBytes) {
      this.blockElems = blockElems;
      this.blockBytes = blockBytes;
    }
  }

  /** nBlocks blocks of raw from byte off -> out from index o. */
  public static void dequantize(Quant q, byte[] raw, int off, int nBlocks, float[] out, int o) {
    for (int i = 0; i < nBlocks; i++) {
      int base = off + i * q.blockBytes, y = o + i * q.blockElems;
      switch (q) {
        case Q8_0 -> q8_0(raw, base, out, y);
        case Q4_0 -> q4_0(raw, base, out, y);
        case Q4_K -> q4K(raw, base, out, y);
        case Q6_K -> q6K(raw, base, out, y);
      }
    }
  }

  /**
   * n values of x from xo (n a multiple of 32) -> n / 32 Q8_0 blocks written to out from oo, as ggml's reference
   * quantiser does it: per block amax = max |x|, d = amax / 127, id = d != 0 ? 1 / d : 0, q = round-half-away(x * id),
   * d stored as IEEE half (round to nearest even). The scale used for q is the FP32 d, not its half.
   */
  public static void quantizeQ8_0(float[] x, int xo, int n, byte[] out, int oo) {
    if (n % 32 != 0) throw new IllegalArgumentException("Q8_0 quantises whole blocks of 32 values, got " + n);
    for (int b = 0; b < n / 32; b++) {
      int xb = xo + 32 * b, ob = oo + 34 * b;
      float amax = 0f;
      for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[xb + j]));
      float d = amax / 127f;
      float id = d != 0f ? 1f / d : 0f;
      short h = HalfFloats.floatToHalf(d);
      out[ob] = (byte) h;
      out[ob + 1] = (byte) (h >> 8);
      for (int j = 0; j < 32; j++) out[ob + 2 + j] = (byte) roundHalfAway(x[xb + j] * id);
    }
  }

  /** C's roundf: halves round away from zero (Math.round rounds them up). */
  private static int roundHalfAway(float v) {
    return v >= 0f ? Math.round(v) : -Math.round(-v);
  }

  /** Bytes of n values as Q8_0 blocks. */
  public static long q8_0Bytes(long n) { return n / 32 * 34; }

  private static float half(byte[] raw, int at) {
    return HalfFloats.HALF_TO_FLOAT[(raw[at] & 0xff) | ((raw[at + 1] & 0xff) << 8)];
  }

  // Q8_0 = f16 d, 32 x i8 q; x = d*q
  private static void q8_0(byte[] raw, int base, float[] out, int o) {
    float d = half(raw, base);
    for (int j = 0; j < 32; j++) out[o + j] = d * raw[base + 2 + j];
  }

  // Q4_0 = f16 d, 16 bytes of nibbles; x[j] = d*(lo(q[j]) - 8), x[j+16] = d*(hi(q[j]) - 8)
  private static void q4_0(byte[] raw, int base, float[] out, int o) {
    float d = half(raw, base);
    for (int j = 0; j < 16; j++) {
      int q = raw[base + 2 + j] & 0xff;
      out[o + j] = d * ((q & 0x0f) - 8);
      out[o + j + 16] = d * ((q >>> 4) - 8);
    }
  }

  // Q4_K super-block (256 values): f16 d, f16 dmin, 12 bytes of eight 6-bit (scale, min) pairs, 128 bytes of
  // nibbles. Each 64 values share 32 bytes: low nibbles are sub-block 2j, high nibbles sub-block 2j+1;
  // x = d*scale*q - dmin*min.
  private static void q4K(byte[] raw, int base, float[] out, int o) {
    float d = half(raw, base), dmin = half(raw, base + 2);
    int scales = base + 4, qs = base + 16;
    for (int j = 0; j < 4; j++) {
      float d1 = d * scaleK4(raw, scales, 2 * j), m1 = dmin * minK4(raw, scales, 2 * j);
      float d2 = d * scaleK4(raw, scales, 2 * j + 1), m2 = dmin * minK4(raw, scales, 2 * j + 1);
      for (int l = 0; l < 32; l++) {
        int q = raw[qs + 32 * j + l] & 0xff;
        out[o + 64 * j + l] = d1 * (q & 0xf) - m1;
        out[o + 64 * j + 32 + l] = d2 * (q >>> 4) - m2;
      }
    }
  }

  // 6-bit scale and min of sub-block j packed in 12 bytes (ggml get_scale_min_k4)
  private static int scaleK4(byte[] raw, int s, int j) {
    return j < 4 ? raw[s + j] & 63 : (raw[s + j + 4] & 0xf) | (((raw[s + j - 4] & 0xff) >>> 6) << 4);
  }

  private static int minK4(byte[] raw, int s, int j) {
    return j < 4 ? raw[s + j + 4] & 63 : ((raw[s + j + 4] & 0xff) >>> 4) | (((raw[s + j] & 0xff) >>> 6) << 4);
  }

  // Q6_K super-block (256 values): 128 bytes low nibbles ql, 64 bytes high 2-bit pairs qh, 16 int8 scales,
  // f16 d. Per 128-value half n and l < 32: the four values l, l+32, l+64, l+96 take ql[l] / ql[l+32]
  // low/high nibbles and bit pairs 0..3 of qh[l]; x = d * scale[16-value group] * (q - 32).
  private static void q6K(byte[] raw, int base, float[] out, int o) {
    float d = half(raw, base + 208);
    for (int n = 0; n < 2; n++) {
      int ql = base + 64 * n, qh = base + 128 + 32 * n, sc = base + 192 + 8 * n, y = o + 128 * n;
      for (int l = 0; l < 32; l++) {
        int is = l / 16, h = raw[qh + l] & 0xff, lo = raw[ql + l] & 0xff, hi = raw[ql + l + 32] & 0xff;
        out[y + l] = d * raw[sc + is] * (((lo & 0xf) | ((h & 3) << 4)) - 32);
        out[y + l + 32] = d * raw[sc + is + 2] * (((hi & 0xf) | (((h >>> 2) & 3) << 4)) - 32);
        out[y + l + 64] = d * raw[sc + is + 4] * (((lo >>> 4) | (((h >>> 4) & 3) << 4)) - 32);
        out[y + l + 96] = d * raw[sc + is + 6] * (((hi >>> 4) | (((h >>> 6) & 3) << 4)) - 32);
      }
    }
  }
}
