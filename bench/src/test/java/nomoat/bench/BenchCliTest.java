package nomoat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nomoat bench ...} as bin/nomoat runs it: picocli help on stdout, the CLI's one error line and exit codes. */
class BenchCliTest {
  @TempDir Path tmp;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = BenchCommand.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void helpIsOnStdoutAndExitsZero() {
    Run help = run("--help");
    assertEquals(0, help.code(), help.err());
    for (String b : List.of("prepare", "engine", "aggregate")) assertTrue(help.out().contains(b), help.out());
    Run none = run();
    assertEquals(0, none.code());
    assertTrue(none.out().startsWith("Usage: nomoat bench"), none.out());

    Run engine = run("engine", "--help");
    assertEquals(0, engine.code(), engine.err());
    assertEquals("", engine.err());
    assertTrue(engine.out().startsWith("Usage: nomoat bench engine"), engine.out());
    for (String o : List.of("--configs", "--targets", "--steps", "--jit-settle", "--child-jvm-opt", "--gemm", "--retries"))
      assertTrue(engine.out().contains(o), o + " in " + engine.out());
    assertTrue(engine.out().contains("LoRA target sets: qv (q_proj, v_proj)"), "options are described: " + engine.out());
    assertTrue(engine.out().contains("openblas, nd4j"), engine.out());
    assertFalse(engine.out().contains("--child "), "internal options stay hidden: " + engine.out());

    for (String b : List.of("sbgemm", "recompute")) {
      Run h = run(b, "--help");
      assertEquals(0, h.code(), h.err());
      assertTrue(h.out().startsWith("Usage: nomoat bench " + b), h.out());
      assertFalse(h.out().contains("--child"), "internal options stay hidden: " + h.out());
    }
    assertTrue(run("sbgemm", "--help").out().contains("--coretypes"));
    assertTrue(run("recompute", "--help").out().contains("--seq"));
    assertTrue(engine.out().contains("--weights-dtype"), engine.out());

    Run prepare = run("prepare", "--help");
    assertEquals(0, prepare.code());
    assertTrue(prepare.out().contains("NOMOAT_FIXTURES"), prepare.out());
  }

  @Test
  void badArgumentsExitTwoWithOneLineNamingTheOption() {
    for (String[] args : List.of(new String[] {"engine", "--configs", "C"}, new String[] {"engine", "--targets", "q"},
        new String[] {"engine", "--steps", "0"}, new String[] {"engine", "--jit-settle", "-1"},
        new String[] {"prepare", "--rows", "0"}, new String[] {"prepare", "--rows", "-5"}, new String[] {"prepare", "--files", "0"},
        new String[] {"prepare", "--template", "zephyr"}, new String[] {"aggregate", "--modes", "allreduce"},
        new String[] {"aggregate", "--sizes", "lots"}, new String[] {"engine", "--weights-dtype", "q4_k"},
        new String[] {"sbgemm", "--shapes", "70B"}, new String[] {"sbgemm", "--reps", "0"},
        new String[] {"recompute", "--modes", "attention"}, new String[] {"recompute", "--seq", "0"},
        new String[] {"train", "--reps", "0"}, new String[] {"train", "--coordination-warmup", "-1"})) {
      Run r = run(args);
      String what = String.join(" ", args) + " -> " + r;
      assertEquals(2, r.code(), what);
      String err = r.err().strip();
      assertEquals(1, err.lines().count(), what);
      assertTrue(err.startsWith("nomoat: error: bench " + args[0] + ": " + args[1]), what);
      assertTrue(err.contains(args[2]), what);
      assertEquals("", r.out(), what);
    }
    Run unknown = run("engine", "--fast", "1");
    assertEquals(2, unknown.code());
    assertTrue(unknown.err().contains("--fast"), unknown.err());
    Run badGemm = run("engine", "--gemm", "cublas");
    assertEquals(2, badGemm.code());
    assertTrue(badGemm.err().contains("cublas"), badGemm.err());
  }

  /** bench prepare reads the fixtures from NOMOAT_FIXTURES, as the demo does: a directory without them is named. */
  @Test
  void preparePrefersNomoatFixtures() throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), BenchCommand.class.getName(), "prepare", "--rows", "1", "--runs", "1",
        "--work", tmp.resolve("work").toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
    pb.environment().put("NOMOAT_FIXTURES", tmp.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertEquals(4, p.waitFor(), out + err);
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.startsWith("nomoat: error: bench prepare: no fixtures at " + tmp), err);
    assertTrue(err.contains("NOMOAT_FIXTURES"), err);
  }
}
