package nomoat.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BlasCpuCheckTest {
  static final String EPYC_AVX512 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse sse2 pni ssse3 sse4_1 sse4_2 avx fma avx2 "
      + "avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16\n\nprocessor\t: 1\nflags\t\t: fpu\n";
  static final String BROADWELL = "processor\t: 0\nflags\t\t: fpu sse sse2 pni ssse3 sse4_1 sse4_2 avx fma avx2 bmi2\n";
  static final String OLD_XEON = "processor\t: 0\nflags\t\t: fpu sse sse2 pni ssse3 sse4_1 sse4_2\n";

  @Test
  void kernelsTheCpuSupportsPass() {
    assertNull(BlasCpuCheck.problem("SkylakeX", EPYC_AVX512));
    assertNull(BlasCpuCheck.problem("Haswell", EPYC_AVX512));
    assertNull(BlasCpuCheck.problem("haswell", BROADWELL));
    assertNull(BlasCpuCheck.problem(null, OLD_XEON), "unset: OpenBLAS detects");
    assertNull(BlasCpuCheck.problem("", OLD_XEON));
    assertNull(BlasCpuCheck.problem("ARMV8", BROADWELL), "a kernel this check does not know");
    assertNull(BlasCpuCheck.problem("SkylakeX", "Processor: ARMv8\nFeatures: neon\n"), "no x86 flags line");
  }

  @Test
  void aKernelNeedingMissingInstructionsIsOneLineNamingThem() {
    String p = BlasCpuCheck.problem("SkylakeX", BROADWELL);
    assertNotNull(p);
    assertEquals(1, p.lines().count());
    assertTrue(p.contains("avx512f") && p.contains("avx512bw"), p);
    assertTrue(p.contains("e.g. Haswell"), p);
    String q = BlasCpuCheck.problem("Haswell", OLD_XEON);
    assertTrue(q.contains("[avx2, fma]") && q.contains("e.g. Nehalem"), q);
    assertTrue(BlasCpuCheck.problem("Cooperlake", BROADWELL).contains("avx512_bf16"));
  }

  @Test
  void onlyTheFirstFlagsLineCounts() {
    assertEquals(BlasCpuCheck.flags(EPYC_AVX512).contains("avx512f"), true);
    assertEquals(false, BlasCpuCheck.flags(EPYC_AVX512).contains("nonsense"));
  }
}
