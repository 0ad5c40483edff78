package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A prepare process killed with SIGKILL while it writes shards leaves no _SUCCESS and no half-visible output; a
 * previously committed output survives a killed --force run intact; the next run succeeds.
 */
@Tag("slow")
@Tag("integration")
class PrepareKilledTest {
  @TempDir Path tmp;

  @Test
  void killedRunLeavesNothingVisibleAndOldOutputIntact() throws Exception {
    Path data = tmp.resolve("big.jsonl");
    try (BufferedWriter w = Files.newBufferedWriter(data, StandardCharsets.UTF_8)) {
      for (int i = 0; i < 40_000; i++) {
        w.write("{\"instruction\":\"Repeat the number " + i + " in words, then explain why it is " + (i % 2 == 0 ? "even" : "odd")
            + ".\",\"input\":\"\",\"output\":\"" + "The number is " + i + ". ".repeat(20) + "\"}\n");
      }
    }
    Path out = tmp.resolve("out");
    // 1. a small committed output exists
    assertEquals(0, prepare(data, out, 100, false));
    byte[] manifest = Files.readAllBytes(out.resolve("manifest.json"));
    assertTrue(Files.exists(out.resolve("_SUCCESS")));

    // 2. a --force run killed while it writes shards
    Process p = start(data, out, true, -1);
    Path parent = out.getParent();
    long deadline = System.currentTimeMillis() + 240_000;
    boolean sawShard = false;
    while (System.currentTimeMillis() < deadline && p.isAlive()) {
      try (Stream<Path> walk = Files.walk(parent)) {
        sawShard = walk.anyMatch(f -> f.toString().contains(".out.tmp-") && f.toString().endsWith(".parquet"));
      } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException raced) {
        sawShard = false;
      }
      if (sawShard) break;
      Thread.sleep(20);
    }
    assertTrue(sawShard, "the run reached the shard-writing step");
    p.destroyForcibly();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertNotEquals(0, p.exitValue());
    assertTrue(Files.exists(out.resolve("_SUCCESS")), "the old committed output is still committed");
    assertArrayEquals(manifest, Files.readAllBytes(out.resolve("manifest.json")), "and unchanged");

    // 3. a rerun with --force completes and replaces it
    assertEquals(0, prepare(data, out, -1, true));
    assertTrue(Files.exists(out.resolve("_SUCCESS")));
    assertFalse(java.util.Arrays.equals(manifest, Files.readAllBytes(out.resolve("manifest.json"))));
  }

  private int prepare(Path data, Path out, int limit, boolean force) throws Exception {
    Process p = start(data, out, force, limit);
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "prepare finished");
    return p.exitValue();
  }

  private Process start(Path data, Path out, boolean force, int limit) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
    cmd.addAll(List.of("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), "nomoat.jobs.Main", "prepare", "--master", "local[2]"));
    if (force) cmd.add("--force");
    cmd.addAll(List.of("prepare.output=" + out.toUri(), "prepare.tokenizer=" + PrepareJobTest.TINYLLAMA,
        "prepare.sources=[{name = big, limit = " + limit + ", paths = [\"" + data.toUri() + "\"]}]", "prepare.shards.train=8",
        "spark.conf.\"spark.ui.enabled\"=false", "spark.conf.\"spark.driver.host\"=127.0.0.1"));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("prepare-" + System.nanoTime() + ".log").toFile()).start();
  }
}
