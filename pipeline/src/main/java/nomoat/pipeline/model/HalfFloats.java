package nomoat.pipeline.model;

/**
 * IEEE half (F16) and bfloat16 (BF16) bit conversions, as PyTorch does them: float -> half/bf16 rounds to
 * nearest, ties to even; NaN stays NaN; overflow goes to infinity. (Java 17 has no Float.floatToFloat16.)
 */
public final class HalfFloats {
  /** Every half's FP32 value (a table is the quickest exact widening on Java 17, which has no Float.float16ToFloat). */
  static final float[] HALF_TO_FLOAT = new float[1 << 16];

  static {
    for (int h = 0; h < 1 << 16; h++) HALF_TO_FLOAT[h] = halfToFloat((short) h);
  }

  private HalfFloats() {}

  public static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0) { // zero or subnormal: mant * 2^-24
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf / nan
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }

  public static short floatToHalf(float f) {
    int x = Float.floatToRawIntBits(f);
    int sign = (x >>> 16) & 0x8000;
    int exp = (x >>> 23) & 0xff;
    int mant = x & 0x7fffff;
    if (exp == 0xff) return (short) (sign | 0x7c00 | (mant == 0 ? 0 : 0x200 | (mant >>> 13))); // inf / quiet nan
    int e = exp - 127 + 15; // re-biased exponent
    if (e >= 0x1f) return (short) (sign | 0x7c00); // too large: infinity
    if (e <= 0) { // half subnormal (or zero): drop 14 - e bits of the 24-bit significand
      if (e < -10) return (short) sign;
      int sig = mant | 0x800000;
      int shift = 14 - e;
      int half = sig >>> shift;
      int rem = sig & ((1 << shift) - 1);
      int halfway = 1 << (shift - 1);
      if (rem > halfway || (rem == halfway && (half & 1) == 1)) half++;
      return (short) (sign | half);
    }
    int half = (e << 10) | (mant >>> 13);
    int rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) half++; // a carry may roll into the exponent: correct
    return (short) (sign | half);
  }

  public static float bf16ToFloat(short b) {
    return Float.intBitsToFloat((b & 0xffff) << 16);
  }

  public static short floatToBf16(float f) {
    int x = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) return (short) ((x >>> 16) | 0x40); // keep sign, force quiet
    return (short) ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16);
  }
}
