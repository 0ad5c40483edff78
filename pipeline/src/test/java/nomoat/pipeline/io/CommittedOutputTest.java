package nomoat.pipeline.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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

  /** Names in a directory, without the hidden .crc files of Hadoop's local file system. */
  private static List<String> visible(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().collect(Collectors.toList());
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
    String marker = Files.readString(tmp.resolve(".prepared.tmp-run1/" + CommittedOutput.STAGING_MARKER));
    assertTrue(marker.contains("\"run_id\":\"run1\""), marker);
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

  /** A commit killed between "staging -> output" and _SUCCESS: what it published still carries the staging marker. */
  private void halfPublish(String text) throws Exception {
    write(out(), "data.txt", text);
    write(out(), CommittedOutput.STAGING_MARKER, "{\"run_id\":\"deadrun\",\"started\":\"2026-12-05T08:00:00Z\"}");
  }

  @Test
  void uncommittedLeftoverIsReplacedWithoutForce() throws Exception {
    halfPublish("from a run that died after publishing");
    commitOnce("v1", false);
    assertEquals("v1", Files.readString(tmp.resolve("prepared/data.txt")));
    assertEquals(List.of("_SUCCESS", "data.txt"), visible(tmp.resolve("prepared")), "the staging marker does not survive a commit");
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
    halfPublish("v2-unmarked");
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

  // ---- the output-path rule: nomoat replaces only what it can prove it wrote, or an empty directory ----

  /** Every file below {@code root} with its bytes, to show a refusal touched nothing. */
  private static Map<String, String> tree(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).collect(Collectors.toMap(p -> root.relativize(p).toString(), p -> {
        try {
          return Files.readString(p);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, (a, b) -> a, java.util.TreeMap::new));
    }
  }

  private void assertRefusedUntouched(String outputUri, boolean force, String expectedInMessage) throws Exception {
    Map<String, String> before = tree(tmp);
    List<String> siblings = siblings();
    NomoatException e = assertThrows(NomoatException.class, () -> CommittedOutput.begin(conf, outputUri, force));
    assertEquals(ExitCode.CONFIG, e.exitCode(), e.getMessage());
    assertTrue(e.getMessage().contains(expectedInMessage), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
    assertEquals(before, tree(tmp), "nothing touched");
    assertEquals(siblings, siblings(), "no staging dir created");
  }

  @Test
  void aDirectoryOfSomebodyElsesFilesIsRefusedEvenWithForce() throws Exception {
    Files.createDirectories(tmp.resolve("prepared/sub"));
    Files.writeString(tmp.resolve("prepared/important.txt"), "precious");
    Files.writeString(tmp.resolve("prepared/sub/more.txt"), "also precious");
    assertRefusedUntouched(out(), false, "is a directory nomoat did not write");
    assertRefusedUntouched(out(), true, "is a directory nomoat did not write");
    assertEquals("precious", Files.readString(tmp.resolve("prepared/important.txt")));
  }

  @Test
  void aRegularFileIsRefusedEvenWithForce() throws Exception {
    Files.writeString(tmp.resolve("prepared"), "precious");
    assertRefusedUntouched(out(), false, "is a file");
    assertRefusedUntouched(out(), true, "is a file");
    assertEquals("precious", Files.readString(tmp.resolve("prepared")));
  }

  @Test
  void aSuccessMarkerNomoatDidNotWriteIsNotProofOfOwnership() throws Exception {
    Files.createDirectories(tmp.resolve("prepared"));
    Files.writeString(tmp.resolve("prepared/_SUCCESS"), "");           // Spark's own job-commit marker
    Files.writeString(tmp.resolve("prepared/part-00000.csv"), "a,b");
    assertRefusedUntouched(out(), true, "its _SUCCESS was not written by nomoat");
  }

  @Test
  void anEmptyDirectoryIsReplaced() throws Exception {
    Files.createDirectories(tmp.resolve("prepared"));
    commitOnce("v1", false);
    assertEquals(List.of("_SUCCESS", "data.txt"), visible(tmp.resolve("prepared")));
  }

  @Test
  void filesAppearingAtTheOutputDuringTheRunAreNotMovedAside() throws Exception {
    Files.createDirectories(tmp.resolve("prepared"));
    CommittedOutput o = CommittedOutput.begin(conf, out(), false);
    write(o.stagingDir(), "data.txt", "v1");
    Files.writeString(tmp.resolve("prepared/important.txt"), "put here while the run went on");
    NomoatException e = assertThrows(NomoatException.class, o::commit);
    assertEquals(ExitCode.CONFIG, e.exitCode());
    assertEquals(List.of("important.txt"), visible(tmp.resolve("prepared")));
    o.abort();
  }

  // ---- staging of killed runs: stale after a heartbeat stops, removed by the next run; live runs left alone ----

  private static final CommittedOutput.Heartbeat FAST = new CommittedOutput.Heartbeat(Duration.ofMillis(50), Duration.ofMillis(600));

  private CommittedOutput beginFast(boolean force) {
    return CommittedOutput.begin(conf, out(), force, List.of(), "r" + System.nanoTime(), FAST);
  }

  @Test
  void aLiveRunsStagingIsNeverDisturbedAndAKilledRunsIsRemoved() throws Exception {
    CommittedOutput live = beginFast(false);
    write(live.stagingDir(), "_attempts/0-1/part-00000.parquet", "partial");
    CommittedOutput killed = beginFast(false);
    write(killed.stagingDir(), "_attempts/0-2/part-00000.parquet", "partial");
    killed.close(); // SIGKILL: the heartbeat stops, staging stays

    Thread.sleep(1_500); // well past staleAfter: only a heartbeat keeps a run fresh
    CommittedOutput next = beginFast(false);
    assertEquals(List.of(killed.stagingDir()), next.staleStagingRemoved());
    assertFalse(Storage.exists(conf, killed.stagingDir()), "stale staging removed");
    assertEquals("partial", Files.readString(Path.of(java.net.URI.create(live.stagingDir())).resolve("_attempts/0-1/part-00000.parquet")),
        "the live run's staging is untouched");

    next.abort();
    write(live.stagingDir(), "data.txt", "v1");
    live.commit();
    assertEquals("v1", Files.readString(tmp.resolve("prepared/data.txt")));
    assertEquals(List.of("prepared"), siblings());
  }

  @Test
  void stagingFromBeforeMarkersIsJudgedByItsDirectoryTime() throws Exception {
    Path old = tmp.resolve(".prepared.tmp-20261101T000000Z-abc");
    Files.createDirectories(old.resolve("_attempts/3-7"));
    Files.writeString(old.resolve("_attempts/3-7/part-00001.parquet"), "partial");
    Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.from(Instant.now().minus(Duration.ofHours(1))));
    Path recent = tmp.resolve(".prepared.tmp-20261205T000000Z-def");
    Files.createDirectories(recent); // a run killed between creating staging and writing its marker, just now

    CommittedOutput o = CommittedOutput.begin(conf, out(), false);
    assertEquals(List.of(new org.apache.hadoop.fs.Path(old.toUri()).toString()), o.staleStagingRemoved());
    assertFalse(Files.exists(old));
    assertTrue(Files.exists(recent), "too recent to call stale under the default heartbeat");
    o.abort();
  }

  @Test
  void aRunsStagingStaysFreshWhileItRuns() throws Exception {
    CommittedOutput o = beginFast(false);
    Path marker = Path.of(java.net.URI.create(o.stagingDir())).resolve(CommittedOutput.STAGING_MARKER);
    long first = Files.getLastModifiedTime(marker).toMillis();
    Thread.sleep(400);
    assertTrue(Files.getLastModifiedTime(marker).toMillis() > first, "the marker is rewritten");
    o.close();
    long stopped = Files.getLastModifiedTime(marker).toMillis();
    Thread.sleep(300);
    assertEquals(stopped, Files.getLastModifiedTime(marker).toMillis(), "and no longer after the run ends");
    o.abort();
  }
}
