package nomoat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Expected numbers are what peer_bench.py reported on this machine (params_matmul, flops_per_token). */
class FlopEstimateTest {
  @Test
  void matchesPeerForConfigA() {
    assertEquals(5_210_112L, FlopEstimate.of(BenchModel.A, 32_768).matmulParams());
    assertEquals(24_182_784.0, FlopEstimate.of(BenchModel.A, 32_768).perToken(), 0);
    assertEquals(24_923_136.0, FlopEstimate.of(BenchModel.A, 156_160).perToken(), 0);
  }

  @Test
  void matchesPeerForConfigB() {
    assertEquals(41_680_896L, FlopEstimate.of(BenchModel.B, 131_072).matmulParams());
    assertEquals(180_092_928.0, FlopEstimate.of(BenchModel.B, 131_072).perToken(), 0);
    assertEquals(183_054_336.0, FlopEstimate.of(BenchModel.B, 624_640).perToken(), 0);
  }
}
