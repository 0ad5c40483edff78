package nomoat.pipeline.format;

import nomoat.pipeline.model.HalfFloats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Dequantization of GGUF tensor data to FP32 (the block layouts themselves: {@link nomoat.pipeline.model.QuantBlocks}). */
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
      case Q8_0: case Q4_0: case Q4_K: case Q6_K:
        nomoat.pipeline.model.QuantBlocks.dequantize(quant(type), raw, 0, nBlocks, out, 0);
        break;
      default:
        throw new IllegalStateException("unreachable: " + type);
    }
  }

  /** The engine's name for a quantised ggml type (null for F32/F16/BF16). */
  static nomoat.pipeline.model.QuantBlocks.Quant quant(Gguf.GgmlType type) {
    return switch (type) {
      case Q8_0 -> nomoat.pipeline.model.QuantBlocks.Quant.Q8_0;
      case Q4_0 -> nomoat.pipeline.model.QuantBlocks.Quant.Q4_0;
      case Q4_K -> nomoat.pipeline.model.QuantBlocks.Quant.Q4_K;
      case Q6_K -> nomoat.pipeline.model.QuantBlocks.Quant.Q6_K;
      default -> null;
    };
  }
}
