package nomoat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.model.EngineOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code bench engine}'s options as picocli parses them into {@link BenchArgs}. */
class BenchArgsTest {
  static BenchArgs parse(String... argv) {
    EngineBench bench = new EngineBench();
    new CommandLine(bench).parseArgs(argv);
    return bench.settings();
  }

  @Test
  void defaultsMatchThePeer() {
    BenchArgs a = parse();
    assertEquals(List.of("A", "B"), a.configs());
    assertEquals(List.of("qv", "all7"), a.targets());
    assertEquals(16, a.stepsFor("A"));
    assertEquals(6, a.stepsFor("B"));
    assertEquals(2, a.warmup());
    assertEquals(8, a.r());
    assertEquals(16.0, a.alpha());
    assertEquals(2, a.threads());
    assertEquals(150, a.jitSettle());
    assertEquals(EngineOptions.GemmPath.OPENBLAS, a.gemm());
    assertEquals(StorageMode.FLOAT32, a.weightsDtype());
  }

  @Test
  void weightsDtypeNamesAStorageMode() {
    assertEquals(StorageMode.BFLOAT16, parse("--weights-dtype", "bfloat16").weightsDtype());
    assertEquals(StorageMode.FLOAT16, parse("--weights-dtype", "Float16").weightsDtype());
    NomoatException e = assertThrows(NomoatException.class, () -> parse("--weights-dtype", "q4_k"));
    assertTrue(e.getMessage().contains("--weights-dtype") && e.getMessage().contains("float32, bfloat16, float16"), e.getMessage());
  }

  @Test
  void parsesFlagsAndRepeatedJvmOptions() {
    BenchArgs a = parse("--configs", "B", "--targets", "all7", "--steps", "3", "--profile",
        "--child-jvm-opt", "-Xmx2g", "--child-jvm-opt", "-Dx=1", "--json-out", "out.json", "--gemm", "nd4j");
    assertEquals(List.of("B"), a.configs());
    assertEquals(3, a.stepsFor("B"));
    assertTrue(a.profile());
    assertEquals(List.of("-Xmx2g", "-Dx=1"), a.childJvmOpts());
    assertEquals("out.json", a.jsonOut());
    assertEquals(EngineOptions.GemmPath.ND4J, a.gemm());
  }

  @Test
  void rejectsUnknownConfigsTargetsAndOptions() {
    assertEquals(2, assertThrows(NomoatException.class, () -> parse("--configs", "C")).exitCode().code);
    assertThrows(NomoatException.class, () -> parse("--targets", "q"));
    assertThrows(NomoatException.class, () -> parse("--steps", "0"));
    assertThrows(NomoatException.class, () -> parse("--jit-settle", "-1"));
    assertThrows(CommandLine.ParameterException.class, () -> parse("--fast", "1"));
    assertThrows(CommandLine.ParameterException.class, () -> parse("--steps"));
    assertThrows(CommandLine.ParameterException.class, () -> parse("--gemm", "cublas"));
    assertEquals(0, parse("--jit-settle", "0").jitSettle());
  }

  @Test
  void randomBatchesTrainEveryNextToken() {
    var batches = TrainStepBench.randomBatches(BenchModel.A, 1, 2);
    assertEquals(2, batches.size());
    assertEquals(4 * 255, batches.get(0).trainedTokens()); // the peer's causal LM loss: T-1 targets per row
  }
}
