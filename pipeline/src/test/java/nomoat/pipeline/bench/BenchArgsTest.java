package nomoat.pipeline.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchArgsTest {
  @Test
  void defaultsMatchThePeer() {
    BenchArgs a = BenchArgs.parse(new String[0]);
    assertEquals(List.of("A", "B"), a.configs());
    assertEquals(List.of("qv", "all7"), a.targets());
    assertEquals(16, a.stepsFor("A"));
    assertEquals(6, a.stepsFor("B"));
    assertEquals(2, a.warmup());
    assertEquals(8, a.r());
    assertEquals(16.0, a.alpha());
    assertEquals(2, a.threads());
    assertEquals(150, a.jitSettle());
  }

  @Test
  void parsesFlagsAndRepeatedJvmOptions() {
    BenchArgs a = BenchArgs.parse(new String[] {"--configs", "B", "--targets", "all7", "--steps", "3", "--profile",
        "--child-jvm-opt", "-Xmx2g", "--child-jvm-opt", "-Dx=1", "--json-out", "out.json"});
    assertEquals(List.of("B"), a.configs());
    assertEquals(3, a.stepsFor("B"));
    assertTrue(a.profile());
    assertEquals(List.of("-Xmx2g", "-Dx=1"), a.childJvmOpts());
    assertEquals("out.json", a.jsonOut());
  }

  @Test
  void rejectsUnknownConfigsTargetsAndOptions() {
    assertThrows(IllegalArgumentException.class, () -> BenchArgs.parse(new String[] {"--configs", "C"}));
    assertThrows(IllegalArgumentException.class, () -> BenchArgs.parse(new String[] {"--targets", "q"}));
    assertThrows(IllegalArgumentException.class, () -> BenchArgs.parse(new String[] {"--fast", "1"}));
    assertThrows(IllegalArgumentException.class, () -> BenchArgs.parse(new String[] {"--steps"}));
    assertThrows(IllegalArgumentException.class, () -> BenchArgs.parse(new String[] {"--steps", "0"}));
    assertThrows(IllegalArgumentException.class, () -> BenchArgs.parse(new String[] {"--jit-settle", "-1"}));
    assertEquals(0, BenchArgs.parse(new String[] {"--jit-settle", "0"}).jitSettle());
  }

  @Test
  void randomBatchesTrainEveryNextToken() {
    var batches = TrainStepBench.randomBatches(BenchModel.A, 1, 2);
    assertEquals(2, batches.size());
    assertEquals(4 * 255, batches.get(0).trainedTokens()); // the peer's causal LM loss: T-1 targets per row
  }
}
