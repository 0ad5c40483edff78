package nomoat.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GradClippingTest {
  private static Map<String, INDArray> grads() {
    // Global norm = sqrt(3^2 + 4^2 + 12^2) = 13.
    return Map.of("a", Nd4j.create(new float[] {3f, 4f}, new long[] {2}, DataType.FLOAT),
        "b", Nd4j.create(new float[] {0f, -12f}, new long[] {1, 2}, DataType.FLOAT));
  }

  @Test
  void clipsToMaxNormAndReturnsPreClipNorm() {
    Map<String, INDArray> g = grads();
    assertEquals(13.0, GradClipping.clipByGlobalNorm(g, 1.0), 1e-6);
    double coef = 1.0 / (13.0 + 1e-6); // torch: max_norm / (total_norm + 1e-6)
    assertEquals(3 * coef, g.get("a").getDouble(0), 1e-7);
    assertEquals(-12 * coef, g.get("b").getDouble(0, 1), 1e-7);
    assertEquals(1.0, GradClipping.globalNorm(g), 1e-6);
  }

  @Test
  void leavesSmallGradientsAlone() {
    Map<String, INDArray> g = grads();
    assertEquals(13.0, GradClipping.clipByGlobalNorm(g, 20.0), 1e-6);
    assertEquals(4.0, g.get("a").getDouble(1), 0);
  }

  @Test
  void nonFiniteNormIsReportedAndGradientsUntouched() {
    Map<String, INDArray> g = grads();
    g.get("a").putScalar(0, Float.NaN);
    assertTrue(Double.isNaN(GradClipping.clipByGlobalNorm(g, 1.0)));
    assertEquals(-12.0, g.get("b").getDouble(0, 1), 0);
  }
}
