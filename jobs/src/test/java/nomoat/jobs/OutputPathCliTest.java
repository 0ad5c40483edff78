package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * prepare never destroys what nomoat did not write: a refused output path is one line, exit 3, before Spark starts,
 * and every byte under the working directory is as it was. What nomoat may replace it still replaces.
 */
@Tag("integration")
class OutputPathCliTest {
  @TempDir Path tmp;
  Path data;

  @BeforeEach
  void dataset() throws Exception {
    data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.copy(Path.of(java.net.URI.create(PrepareJobTest.SELF_INSTRUCT)), data.resolve("self_instruct.json"));
  }

  private CliTest.Run prepare(Path output, String... more) throws Exception {
    Path conf = tmp.resolve("job.conf");
    Files.writeString(conf, "prepare {\n  output = \"" + output.toUri() + "\"\n  tokenizer = \"" + PrepareJobTest.TINYLLAMA + "\"\n"
        + "  sources = [ { name = si, paths = [\"" + data.toUri() + "\"] } ]\n}\n");
    String[] args = new String[3 + more.length];
    args[0] = "prepare";
    args[1] = "--conf";
    args[2] = conf.toString();
    System.arraycopy(more, 0, args, 3, more.length);
    return CliTest.run(args);
  }

  /** Every file and directory below tmp, with the bytes of each file. */
  private Map<String, String> tree() throws Exception {
    Map<String, String> all = new TreeMap<>();
    try (Stream<Path> s = Files.walk(tmp)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        all.put(tmp.relativize(p).toString(), Files.isDirectory(p) ? "/" : Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    }
    return all;
  }

  private void assertRefused(Path output, String expected, String... more) throws Exception {
    Map<String, String> before = tree();
    CliTest.Run r = prepare(output, more);
    assertEquals(3, r.code(), r.err());
    String line = r.err().strip();
    assertEquals(1, line.lines().count(), "one line: " + line);
    assertTrue(line.startsWith("nomoat: error: output "), line);
    assertTrue(line.contains(expected), line);
    before.remove("job.conf");
    Map<String, String> after = tree();
    after.remove("job.conf");
    assertEquals(before, after, "nothing touched");
  }

  @Test
  void aDirectoryOfUserFilesIsRefusedAndKept() throws Exception {
    Path d = tmp.resolve("d");
    Files.createDirectories(d.resolve("sub"));
    Files.writeString(d.resolve("important.txt"), "precious\n");
    assertRefused(d, "is a directory nomoat did not write (it holds");
    assertRefused(d, "is a directory nomoat did not write (it holds", "--force");
    assertEquals("precious\n", Files.readString(d.resolve("important.txt")));
    assertTrue(Files.isDirectory(d.resolve("sub")));
  }

  @Test
  void aRegularFileIsRefusedAndKept() throws Exception {
    Path f = tmp.resolve("notes.txt");
    Files.writeString(f, "precious\n");
    assertRefused(f, "is a file", "--force");
    assertEquals("precious\n", Files.readString(f));
  }

  @Test
  void theSourceFolderItselfIsRefused() throws Exception {
    assertRefused(data, "is the input ", "--force");
  }

  @Test
  void anOutputInsideTheInputIsRefused() throws Exception {
    assertRefused(data.resolve("prepared"), "is inside input ");
  }

  @Test
  void anOutputHoldingTheTokenizerIsRefused() throws Exception {
    Path tok = Path.of(java.net.URI.create(PrepareJobTest.TINYLLAMA));
    CliTest.Run r = prepare(tmp.resolve("out"), "prepare.output=" + tok.getParent().toUri());
    assertEquals(3, r.code(), r.err());
    assertTrue(r.err().contains("contains input " + PrepareJobTest.TINYLLAMA), r.err());
  }

  @Test
  void emptyDirectoriesAndOwnOutputsAreReplacedAndStaleStagingIsCleared() throws Exception {
    LocalSpark.get(); // prepare joins the test JVM's Spark session instead of starting one
    Path out = tmp.resolve("out");
    Files.createDirectories(out);
    // what a prepare killed while writing shards leaves beside its output, an hour ago
    Path killed = tmp.resolve(".out.tmp-20261205T070000Z-0123456789ab");
    Files.createDirectories(killed.resolve("_attempts/4-17"));
    Files.writeString(killed.resolve("_attempts/4-17/part-00000.parquet"), "partial");
    Files.writeString(killed.resolve("_nomoat_staging"), "{\"run_id\":\"20261205T070000Z-0123456789ab\"}");
    FileTime hourAgo = FileTime.from(Instant.now().minus(Duration.ofHours(1)));
    Files.setLastModifiedTime(killed.resolve("_nomoat_staging"), hourAgo);

    CliTest.Run first = prepare(out);
    assertEquals(0, first.code(), first.err());
    assertTrue(first.err().contains("warning: removed " + new org.apache.hadoop.fs.Path(killed.toUri())), first.err());
    assertFalse(Files.exists(killed), "stale staging removed");
    assertTrue(Files.exists(out.resolve("_SUCCESS")));
    assertFalse(Files.exists(out.resolve("_nomoat_staging")), "the output layout is unchanged");
    String firstRun = Files.readString(out.resolve("_SUCCESS"));

    assertEquals(6, prepare(out).code());
    CliTest.Run forced = prepare(out, "--force");
    assertEquals(0, forced.code(), forced.err());
    assertNotEquals(firstRun, Files.readString(out.resolve("_SUCCESS")), "replaced by the new run");
    try (Stream<Path> s = Files.list(tmp)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".out.")), "no staging or old output left");
    }
    assertTrue(Files.exists(data.resolve("self_instruct.json")));
  }
}
