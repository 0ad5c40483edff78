package nomoat.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class RopeTest {

  static LlamaConfig config(LlamaConfig.RopeScaling s) {
    return new LlamaConfig(100, 4096, 64, 1, 32, 8, 128, 1e-5, 500000, s, 131072, false, false, 1, List.of(2), "float32");
  }

  @Test
  void llama3ScalingKeepsHighFrequenciesDividesLowOnesAndBlendsBetween() {
    LlamaConfig.RopeScaling s = new LlamaConfig.RopeScaling(8, 1, 4, 8192);
    double[] plain = Rope.invFreq(config(null)), scaled = Rope.invFreq(config(s));
    assertEquals(64, plain.length);
    int kept = 0, divided = 0, blended = 0;
    for (int i = 0; i < plain.length; i++) {
      assertEquals(1.0 / Math.pow(500000, 2.0 * i / 128), plain[i], 1e-15);
      double wavelen = 2 * Math.PI / plain[i];
      double ratio = scaled[i] / plain[i];
      if (wavelen < 8192 / 4.0) { assertEquals(1.0, ratio, 1e-12); kept++; }
      else if (wavelen > 8192 / 1.0) { assertEquals(1.0 / 8, ratio, 1e-12); divided++; }
      else {
        // smooth = (8192 / wavelen - 1) / (4 - 1); ratio = (1 - smooth) / 8 + smooth
        double smooth = (8192 / wavelen - 1) / 3;
        assertEquals((1 - smooth) / 8 + smooth, ratio, 1e-12);
        assertTrue(ratio > 1.0 / 8 && ratio < 1);
        blended++;
      }
      if (i > 0) assertTrue(scaled[i] < scaled[i - 1], "frequencies stay ordered");
    }
    assertTrue(kept > 0 && divided > 0 && blended > 0, kept + " " + divided + " " + blended);
  }

  @Test
  void rotationPreservesPairNormsAndMatchesRotateHalfDefinition() {
    Random rnd = new Random(1);
    int[] pos = {0, 5, 17};
    double[] inv = {1.0, 0.3, 0.01};
    INDArray[] t = Rope.tables(inv, pos, 2, DataType.DOUBLE);
    INDArray x = TinyModels.randn(rnd, DataType.DOUBLE, 1, 3, 12);
    INDArray y = RopeReference.forward(x, t[0], t[1], RopeReference.rotateHalfMatrix(6, DataType.DOUBLE));
    for (int r = 0; r < 3; r++)
      for (int h = 0; h < 2; h++)
        for (int i = 0; i < 3; i++) {
          double x1 = x.getDouble(r, h * 6 + i), x2 = x.getDouble(r, h * 6 + 3 + i), a = pos[r] * inv[i];
          // HF: q * cos + rotate_half(q) * sin, rotate_half([x1, x2]) = [-x2, x1]
          assertEquals(x1 * Math.cos(a) - x2 * Math.sin(a), y.getDouble(r, h * 6 + i), 1e-12);
          assertEquals(x2 * Math.cos(a) + x1 * Math.sin(a), y.getDouble(r, h * 6 + 3 + i), 1e-12);
        }
  }
}
