package nomoat.pipeline.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.NomoatException.ExitCode;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommittedOutputTest {
  @TempDir Path tmp;
  final Configuration conf = new Configuration();

  private String out() { return tmp.resolve("prepared").toUri().toString(); }

  private static void write(String dir, String name, String text) {
    Storage.writeBytes(new Configuration(), dir + "/" + name, text.getBytes(StandardCharsets.UTF_8));
  }

  private List<String> siblings() throws Exception {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  private CommittedOutput commitOnce(String text, boolean force) {
    CommittedOutput o = CommittedOutput.begin(conf, out(), force);
    write(o.stagingDir(), "data.txt", text);
    o.commit();
    return o;
  }

  @Test
  void commitPublishesStagingAndWritesSuccessLast() throws Exception {
    CommittedOutput o = CommittedOutput.begin(conf, out(), false, "run1");
    assertTrue(o.stagingDir().endsWith("/.prepared.tmp-run1"), o.stagingDir());
    write(o.stagingDir(), "data.txt", "v1");
    assertFalse(Files.exists(tmp.resolve("prepared")));
    o.commit();
    assertEquals("v1", Files.readString(tmp.resolve("prepared/data.txt")));
    Map<String, Object> success = CommittedOutput.readSuccess(conf, out());
    assertEquals("run1", success.get("run_id"));
    assertNotNull(success.get("time"));
    assertEquals(List.of("prepared"), siblings());
  }

  @Test
  void rerunWithoutForceRefusesAndTouchesNothing() throws Exception {
    commitOnce("v1", false);
    Path data = tmp.resolve("prepared/data.txt");
    Path success = tmp.resolve("prepared/_SUCCESS");
    byte[] dataBytes = Files.readAllBytes(data);
    byte[] successBytes = Files.readAllBytes(success);
    long dataTime = Files.getLastModifiedTime(data).toMillis();
    long successTime = Files.getLastModifiedTime(success).toMillis();
    List<String> before = siblings();

    NomoatException e = assertThrows(NomoatException.class, () -> CommittedOutput.begin(conf, out(), false));
    assertEquals(ExitCode.OUTPUT_EXISTS, e.exitCode());
    assertTrue(e.getMessage().startsWith(out() + " is already committed ("), e.getMessage());
    assertTrue(e.getMessage().endsWith("); rerun with --force to replace it"), e.getMessage());
    assertTrue(e.getMessage().contains(CommittedOutput.readSuccess(conf, out()).get("time").toString()));

    assertArrayEquals(dataBytes, Files.readAllBytes(data));
    assertArrayEquals(successBytes, Files.readAllBytes(success));
    assertEquals(dataTime, Files.getLastModifiedTime(data).toMillis());
    assertEquals(successTime, Files.getLastModifiedTime(success).toMillis());
    assertEquals(before, siblings());
  }

  @Test
  void forceReplacesTheOutputWhole() throws Exception {
    CommittedOutput first = CommittedOutput.begin(conf, out(), false);
    write(first.stagingDir(), "only-in-v1.txt", "v1");
    first.commit();
    CommittedOutput second = commitOnce("v2", true);
    assertEquals("v2", Files.readString(tmp.resolve("prepared/data.txt")));
    assertFalse(Files.exists(tmp.resolve("prepared/only-in-v1.txt")));
    assertEquals(second.runId(), CommittedOutput.readSuccess(conf, out()).get("run_id"));
    assertTrue(siblings().stream().noneMatch(n -> n.startsWith(".prepared")), siblings().toString());
  }

  @Test
  void killedRunLeavesNoSuccessAndRerunSucceeds() throws Exception {
    CommittedOutput killed = CommittedOutput.begin(conf, out(), false);
    write(killed.stagingDir(), "data.txt", "half");
    // The process dies here: commit() never runs.
    assertFalse(Files.exists(tmp.resolve("prepared/_SUCCESS")));
    assertNull(CommittedOutput.readSuccess(conf, out()));

    commitOnce("whole", false);
    assertEquals("whole", Files.readString(tmp.resolve("prepared/data.txt")));
    assertNotNull(CommittedOutput.readSuccess(conf, out()));
  }

  @Test
  void killedForcedRunKeepsThePreviousCommittedOutput() throws Exception {
    commitOnce("v1", false);
    CommittedOutput killed = CommittedOutput.begin(conf, out(), true);
    write(killed.stagingDir(), "data.txt", "half");
    assertEquals("v1", Files.readString(tmp.resolve("prepared/data.txt")));
    assertNotNull(CommittedOutput.readSuccess(conf, out()));
  }

  @Test
  void uncommittedLeftoverIsReplacedWithoutForce() throws Exception {
    write(out(), "stale.txt", "from a run that died after publishing");
    commitOnce("v1", false);
    assertFalse(Files.exists(tmp.resolve("prepared/stale.txt")));
    assertEquals("v1", Files.readString(tmp.resolve("prepared/data.txt")));
  }

  @Test
  void commitInterruptedAfterMovingOldAsideIsRecovered() throws Exception {
    commitOnce("v1", false);
    // Simulate death between "output -> .old" and "staging -> output".
    Files.move(tmp.resolve("prepared"), tmp.resolve(".prepared.old-deadrun"));
    NomoatException e = assertThrows(NomoatException.class, () -> CommittedOutput.begin(conf, out(), false));
    assertEquals(ExitCode.OUTPUT_EXISTS, e.exitCode());
    assertEquals("v1", Files.readString(tmp.resolve("prepared/data.txt")));
    assertFalse(Files.exists(tmp.resolve(".prepared.old-deadrun")));
  }

  @Test
  void commitInterruptedBeforeSuccessRestoresTheOldOutput() throws Exception {
    commitOnce("v1", false);
    // Simulate death between "staging -> output" and writing _SUCCESS.
    Files.move(tmp.resolve("prepared"), tmp.resolve(".prepared.old-deadrun"));
    write(out(), "data.txt", "v2-unmarked");
    CommittedOutput o = CommittedOutput.begin(conf, out(), true);
    assertEquals("v1", Files.readString(tmp.resolve("prepared/data.txt")));
    write(o.stagingDir(), "data.txt", "v2");
    o.commit();
    assertEquals("v2", Files.readString(tmp.resolve("prepared/data.txt")));
  }

  @Test
  void abortDeletesStagingOnly() throws Exception {
    commitOnce("v1", false);
    CommittedOutput o = CommittedOutput.begin(conf, out(), true);
    write(o.stagingDir(), "data.txt", "v2");
    o.abort();
    assertFalse(Storage.exists(conf, o.stagingDir()));
    assertEquals("v1", Files.readString(tmp.resolve("prepared/data.txt")));
    assertThrows(IllegalStateException.class, o::commit);
  }
}
