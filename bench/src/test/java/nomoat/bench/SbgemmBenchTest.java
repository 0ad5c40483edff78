package nomoat.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import nomoat.pipeline.model.FrozenMatrix;
import nomoat.pipeline.model.FrozenProducts;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** bench sbgemm's BF16 rounding, its fidelity measurement and the products it times. */
class SbgemmBenchTest {
  @Test
  void roundsToNearestBf16TiesToEven() {
    assertEquals(1.0f, SbgemmBench.bf16(1.0f));
    float ulp = (float) Math.pow(2, -7);                                        // BF16 spacing in [1, 2)
    assertEquals(1.0f, SbgemmBench.bf16(1.0f + ulp / 2));                       // tie -> even (1.0)
    assertEquals(1.0f + 2 * ulp, SbgemmBench.bf16(1.0f + 3 * ulp / 2));         // tie -> even (1 + 2 ulp)
    assertEquals(1.0f + ulp, SbgemmBench.bf16(1.0f + ulp * 0.75f));
    assertEquals(-3.140625f, SbgemmBench.bf16(-3.14159f));
    assertEquals(Float.POSITIVE_INFINITY, SbgemmBench.bf16(Float.POSITIVE_INFINITY));
    assertTrue(Float.isNaN(SbgemmBench.bf16(Float.NaN)));
  }

  @Test
  void bf16WeightsComputeExactlyTheirFp32CopyAndBf16InputsAddAboutHalfAnUlp() {
    Nd4j.getRandom().setSeed(3);
    INDArray w = Nd4j.randn(DataType.FLOAT, 192, 320);
    FrozenMatrix bf16 = FrozenMatrix.roundedToHalf(w, true), dense = FrozenMatrix.dense(bf16.toDense());
    INDArray x = Nd4j.randn(DataType.FLOAT, 40, 320), dy = Nd4j.randn(DataType.FLOAT, 40, 192);
    // the engine's widen-tile path is bit-identical to the FP32 weights: the baseline sbgemm is measured against
    assertArrayEquals(FrozenProducts.forward(dense, x).data().asFloat(), FrozenProducts.forward(bf16, x).data().asFloat());
    assertArrayEquals(FrozenProducts.backward(dense, dy).data().asFloat(), FrozenProducts.backward(bf16, dy).data().asFloat());
    // and equals ND4J's own product to float rounding
    INDArray ref = x.mmul(bf16.toDense().transpose());
    assertTrue(FrozenProducts.forward(bf16, x).sub(ref).amaxNumber().doubleValue() < 1e-4 * ref.amaxNumber().doubleValue());

    INDArray xb = SbgemmBench.roundedToBf16(x);
    INDArray err = FrozenProducts.forward(dense, xb).sub(FrozenProducts.forward(dense, x));
    double rel = err.norm2Number().doubleValue() / FrozenProducts.forward(dense, x).norm2Number().doubleValue();
    // random-sign rounding errors of at most 2^-9 relative: RMS ~ 2^-9 / sqrt(3) ~ 1.1e-3, never above 2^-9
    assertTrue(rel > 2e-4 && rel < Math.pow(2, -9), "relative RMS error " + rel);
  }

  @Test
  void measuresBothDirectionsPerShapeAndNamesTheCore() {
    Map<String, Object> r = SbgemmBench.measure(List.of(new SbgemmBench.Shape("tiny", 16, 128, 256)), 1);
    assertEquals(Boolean.TRUE, r.get("cblas_sgemm_found"));
    @SuppressWarnings("unchecked") List<Map<String, Object>> p = (List<Map<String, Object>>) r.get("products");
    assertEquals(2, p.size());
    assertEquals(List.of(16, 128, 256), p.get(0).get("m_n_k"));
    assertEquals(List.of(16, 256, 128), p.get(1).get("m_n_k"));
    for (Map<String, Object> row : p) {
      double e = ((Number) row.get("bf16_inputs_max_err_rel_to_max")).doubleValue();
      assertTrue(e > 0 && e < 1e-2, row.toString());
    }
    r.put("openblas_core_selected", "Haswell");
    r.put("openblas_coretype_unknown", false);
    assertTrue(SbgemmBench.format(r).contains("tiny"));
    assertEquals("Cooperlake", SbgemmBench.selectedCore("Core not found: Bogus\nCore: Cooperlake\nCore: Cooperlake\n"));
    assertEquals("?", SbgemmBench.selectedCore(""));
    assertEquals(3, SbgemmBench.shapes("7B").size());
  }
}
