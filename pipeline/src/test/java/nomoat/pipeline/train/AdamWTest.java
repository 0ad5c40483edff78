package nomoat.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AdamWTest {
  private static final AdamW OPT = new AdamW(0.9, 0.95, 1e-8, 0.1);
  private static final double[] P0 = {0.5, -1.25, 2.0, 0.0, 3.5, -0.75};
  private static final double[][] GRADS = {
      {0.1, -0.2, 0.3, 0.0, 1.5, -2.0}, {-0.4, 0.25, 0.05, 1e-3, -0.5, 0.6}, {0.7, 0.0, -0.3, -2.5, 0.125, 0.9}};
  private static final double[] LRS = {1e-2, 5e-3, 2e-2};

  private static INDArray t(double[] v) { return Nd4j.create(v, new long[] {2, 3}, DataType.DOUBLE); }

  /** The update as torch's documentation writes it (m-hat, v-hat), one scalar at a time. */
  @Test
  void matchesTorchDocumentedAlgorithmStepByStep() {
    Map<String, INDArray> params = Map.of("w", t(P0));
    OptimizerState state = OptimizerState.zerosLike(params);
    double[] p = P0.clone(), m = new double[6], v = new double[6];
    for (int s = 0; s < 3; s++) {
      OPT.step(params, Map.of("w", t(GRADS[s])), state, LRS[s]);
      int step = s + 1;
      for (int i = 0; i < 6; i++) {
        double g = GRADS[s][i], lr = LRS[s];
        p[i] = p[i] - lr * 0.1 * p[i];
        m[i] = 0.9 * m[i] + (1 - 0.9) * g;
        v[i] = 0.95 * v[i] + (1 - 0.95) * g * g;
        double mHat = m[i] / (1 - Math.pow(0.9, step)), vHat = v[i] / (1 - Math.pow(0.95, step));
        p[i] = p[i] - lr * mHat / (Math.sqrt(vHat) + 1e-8);
      }
      assertClose(p, params.get("w"), 1e-13);
      assertClose(m, state.m("w"), 1e-13);
      assertClose(v, state.v("w"), 1e-13);
      assertEquals(step, state.step());
    }
  }

  /** Values printed (as hex doubles) by torch.optim.AdamW(foreach=False) on float64 tensors, torch 1.13. */
  @Test
  void matchesTorchOutputs() {
    Map<String, INDArray> params = Map.of("w", t(P0));
    OptimizerState state = OptimizerState.zerosLike(params);
    for (int s = 0; s < 3; s++) OPT.step(params, Map.of("w", t(GRADS[s])), state, LRS[s]);
    assertClose(hex("0x1.f029d49f10e89p-2", "-0x1.3d2f77a6356dep+0", "0x1.fabc3d9ec297ep+0", "0x1.201d75b184b7ep-7",
        "0x1.bbf57b6453e28p+1", "-0x1.77eb419accf33p-1"), params.get("w"), 1e-14);
    assertClose(hex("0x1.58e219652bd3ap-5", "0x1.9ce075f6fd21cp-8", "-0x1.3a92a30553251p-10", "-0x1.ffd0d0678c003p-3",
        "0x1.6c8b439581062p-4", "-0x1.26e978d4fdf3cp-6"), state.m("w"), 1e-14);
    assertClose(hex("0x1.0aa8eb4634980p-5", "0x1.38da3c21187ecp-8", "0x1.1c6d1e108c3f8p-7", "0x1.400003300b35ep-2",
        "0x1.d3b645a1cac0fp-4", "0x1.e7a0f9096bba0p-3"), state.v("w"), 1e-14);
  }

  @Test
  void zeroGradientAndZeroDecayLeaveParameterUnchanged() {
    Map<String, INDArray> params = Map.of("w", t(P0));
    OptimizerState state = OptimizerState.zerosLike(params);
    AdamW.withWeightDecay(0).step(params, Map.of("w", t(new double[6])), state, 1e-3);
    assertClose(P0, params.get("w"), 0);
  }

  @Test
  void floatParametersStayFloat() {
    INDArray w = Nd4j.create(new float[] {1f, -2f}, new long[] {2}, DataType.FLOAT);
    Map<String, INDArray> params = Map.of("w", w);
    OptimizerState state = OptimizerState.zerosLike(params);
    OPT.step(params, Map.of("w", Nd4j.create(new float[] {0.5f, 0.5f}, new long[] {2}, DataType.FLOAT)), state, 0.1);
    assertEquals(DataType.FLOAT, w.dataType());
    // First Adam step moves each weight by ~lr * sign(g) after decay: 1*(1-0.01) - 0.1 = 0.89.
    assertEquals(0.89, w.getDouble(0), 1e-6);
    assertEquals(DataType.FLOAT, state.m("w").dataType());
  }

  @Test
  void rejectsMismatchedNames() {
    Map<String, INDArray> params = Map.of("w", t(P0));
    OptimizerState state = OptimizerState.zerosLike(params);
    assertThrows(IllegalArgumentException.class, () -> OPT.step(params, Map.of("x", t(P0)), state, 1e-3));
  }

  private static double[] hex(String... v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) out[i] = Double.parseDouble(v[i]);
    return out;
  }

  static void assertClose(double[] expected, INDArray actual, double relTol) {
    double[] a = actual.dup('c').data().asDouble();
    assertEquals(expected.length, a.length);
    for (int i = 0; i < a.length; i++)
      assertEquals(expected[i], a[i], relTol * Math.max(1e-12, Math.abs(expected[i])), "element " + i);
  }
}
