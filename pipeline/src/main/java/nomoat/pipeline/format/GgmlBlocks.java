package nomoat.pipeline.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Dequantization of ggml tensor blocks to FP32, as llama.cpp's ggml-quants.c defines each block layout. */
final class GgmlBlocks {
  private GgmlBlocks() {}

  /**
   * nBlocks blocks of raw -> out. Q8_0 = f16 d, 32 x i8 q; x = d*q. Q4_0 = f16 d, 16 bytes of nibbles;
   * x[j] = d*(lo(q[j]) - 8), x[j+16] = d*(hi(q[j]) - 8). F32/F16/BF16 have one-element blocks.
   */
  static void dequantize(Gguf.GgmlType type, byte[] raw, int nBlocks, float[] out) {
    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    switch (type) {
      case F32:
        for (int i = 0; i < nBlocks; i++) out[i] = b.getFloat(i * 4);
        break;
      case F16:
        for (int i = 0; i < nBlocks; i++) out[i] = HalfFloats.halfToFloat(b.getShort(i * 2));
        break;
      case BF16:
        for (int i = 0; i < nBlocks; i++) out[i] = HalfFloats.bf16ToFloat(b.getShort(i * 2));
        break;
      case Q8_0:
        for (int i = 0; i < nBlocks; i++) {
          int base = i * 34;
          float d = HalfFloats.halfToFloat(b.getShort(base));
          for (int j = 0; j < 32; j++) out[i * 32 + j] = d * raw[base + 2 + j];
        }
        break;
      case Q4_0:
        for (int i = 0; i < nBlocks; i++) {
          int base = i * 18;
          float d = HalfFloats.halfToFloat(b.getShort(base));
          for (int j = 0; j < 16; j++) {
            int q = raw[base + 2 + j] & 0xff;
            out[i * 32 + j] = d * ((q & 0x0f) - 8);
            out[i * 32 + j + 16] = d * ((q >>> 4) - 8);
          }
        }
        break;
      case Q4_K:
        for (int i = 0; i < nBlocks; i++) dequantizeQ4K(raw, i * 144, b, out, i * 256);
        break;
      case Q6_K:
        for (int i = 0; i < nBlocks; i++) dequantizeQ6K(raw, i * 210, b, out, i * 256);
        break;
      default:
        throw new IllegalStateException("unreachable: " + type);
    }
  }

  // Q4_K super-block (256 values): f16 d, f16 dmin, 12 bytes of eight 6-bit (scale, min) pairs, 128 bytes of
  // nibbles. Each 64 values share 32 bytes: low nibbles are sub-block 2j, high nibbles sub-block 2j+1;
  // x = d*scale*q - dmin*min.
  private static void dequantizeQ4K(byte[] raw, int base, ByteBuffer b, float[] out, int o) {
    float d = HalfFloats.halfToFloat(b.getShort(base)), dmin = HalfFloats.halfToFloat(b.getShort(base + 2));
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
  private static void dequantizeQ6K(byte[] raw, int base, ByteBuffer b, float[] out, int o) {
    float d = HalfFloats.halfToFloat(b.getShort(base + 208));
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
