package nomoat.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Q8_0 quantisation as ggml's reference quantiser does it, and Q8_0 models. */
class QuantizeQ8Test {

  static short d(byte[] b, int at) { return (short) ((b[at] & 0xff) | (b[at + 1] << 8)); }

  @Test
  void aKnownBlockQuantisesToHandComputedValues() {
    // amax 127 -> d = 1 (half 0x3c00), id = 1: q = roundf(x), halves away from zero
    float[] x = new float[64];
    float[] head = {127f, 2.5f, -2.5f, 0.5f, -0.5f, 1.49f, -126.6f, 0f, 3.5f, -3.5f};
    System.arraycopy(head, 0, x, 0, head.length);
    // second block: x_j = (j - 16) / 10, amax 1.6, d = 1.6/127, q_j = roundf((j - 16) * 7.9375)
    for (int j = 0; j < 32; j++) x[32 + j] = (j - 16) / 10f;
    byte[] q = new byte[68];
    QuantBlocks.quantizeQ8_0(x, 0, 64, q, 0);
    assertEquals((short) 0x3c00, d(q, 0));
    byte[] want = {127, 3, -3, 1, -1, 1, -127, 0, 4, -4};
    for (int j = 0; j < want.length; j++) assertEquals(want[j], q[2 + j], "value " + j);
    assertEquals(HalfFloats.floatToHalf(1.6f / 127f), d(q, 34));
    int[] hand = {-127, -119, -111, -103, -95, -87, -79, -71, -64, -56, -48, -40, -32, -24, -16, -8, 0, 8, 16, 24, 32, 40, 48, 56, 64,
        71, 79, 87, 95, 103, 111, 119};
    for (int j = 0; j < 32; j++) assertEquals(hand[j], q[36 + j], "second block value " + j);
    // dequantised: d (as half) times q
    float[] back = new float[64];
    QuantBlocks.dequantize(QuantBlocks.Quant.Q8_0, q, 0, 2, back, 0);
    assertEquals(3f, back[1]);
    assertEquals(HalfFloats.halfToFloat(HalfFloats.floatToHalf(1.6f / 127f)) * 119, back[63]);
  }

  @Test
  void aZeroBlockHasScaleZero() {
    byte[] q = new byte[34];
    java.util.Arrays.fill(q, (byte) 7);
    QuantBlocks.quantizeQ8_0(new float[32], 0, 32, q, 0);
    assertArrayEquals(new byte[34], q);
  }

  @Test
  void roundTripErrorIsWithinHalfAStepPerBlock() {
    Random rnd = new Random(5);
    int n = 32 * 500;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 4));
    byte[] q = new byte[n / 32 * 34];
    QuantBlocks.quantizeQ8_0(x, 0, n, q, 0);
    float[] back = new float[n];
    QuantBlocks.dequantize(QuantBlocks.Quant.Q8_0, q, 0, n / 32, back, 0);
    for (int b = 0; b < n / 32; b++) {
      float amax = 0;
      for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[32 * b + j]));
      float step = amax / 127;
      // |x - d q| <= d/2 from rounding, plus |q| <= 127 times the half's relative error 2^-11 of d
      double bound = step * (0.5 + 127.0 / 2048) * (1 + 1e-6);
      for (int j = 0; j < 32; j++)
        assertTrue(Math.abs(back[32 * b + j] - x[32 * b + j]) <= bound, "block " + b + " value " + j + ": " + x[32 * b + j] + " -> " + back[32 * b + j]);
    }
  }

  @Test
  void q8_0ModelQuantisesEveryMatrixAndKeepsNormsFp32() {
    LlamaConfig c = new LlamaConfig(96, 64, 96, 2, 4, 2, 16, 1e-5, 10000.0, null, 128, false, false, 1, java.util.List.of(2), "float32");
    LlamaWeights w = RandomWeights.llama(c, 9);
    LlamaWeights q = w.quantizedQ8_0();
    assertEquals(w.storedTensors().keySet(), q.storedTensors().keySet());
    for (String name : w.storedTensors().keySet()) {
      boolean norm = name.endsWith("norm.weight");
      assertEquals(norm ? "float32" : "q8_0", q.stored(name).format(), name);
      INDArray f = w.get(name);
      if (norm) { assertEquals(f, q.get(name)); continue; }
      float[] v = f.dup('c').data().asFloat();
      byte[] blocks = new byte[v.length / 32 * 34];
      QuantBlocks.quantizeQ8_0(v, 0, v.length, blocks, 0);
      float[] want = new float[v.length];
      QuantBlocks.dequantize(QuantBlocks.Quant.Q8_0, blocks, 0, v.length / 32, want, 0);
      assertArrayEquals(want, q.get(name).dup('c').data().asFloat(), name);
      assertEquals(f.length() / 32 * 34, q.stored(name).storedBytes(), name);
    }
    // rows as stored: the blocks themselves
    FrozenMatrix m = q.stored("model.layers.0.mlp.down_proj.weight");
    byte[] row = new byte[m.storedRowBytes()];
    m.storedRows(3, 4, row, 0);
    float[] f = w.get("model.layers.0.mlp.down_proj.weight").getRow(3).dup().data().asFloat();
    byte[] want = new byte[row.length];
    QuantBlocks.quantizeQ8_0(f, 0, f.length, want, 0);
    assertArrayEquals(want, row);
    INDArray d = Nd4j.create(DataType.DOUBLE, 64, 64);
    assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new LlamaWeights(c, java.util.Map.of("x", d)).quantizedQ8_0()).getMessage().contains("DOUBLE"));
  }
}
