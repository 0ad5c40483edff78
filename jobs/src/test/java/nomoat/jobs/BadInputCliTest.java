package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import nomoat.pipeline.testing.Fixtures;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7's bad inputs through the real command line (in-process, as Airflow and cron see it): each is its exit code
 * and one line naming the file or key, and nothing in the working area is changed by the failed run.
 */
@Tag("integration")
class BadInputCliTest {
  @TempDir Path tmp;

  /** args (with {TMP} for the temp dir), expected exit code, words the single error line must contain. */
  record Case(List<String> args, int code, List<String> words) {}

  private Path write(String name, String text) throws IOException {
    Path f = tmp.resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, text);
    return f;
  }

  private String conf() throws IOException {
    return write("job.conf", "prepare {\n  output = \"" + tmp.resolve("out").toUri() + "\"\n  tokenizer = \"" + PrepareJobTest.TINYLLAMA + "\"\n"
        + "  sources = [ { name = si, paths = [\"" + PrepareJobTest.SELF_INSTRUCT + "\"] } ]\n}\n").toString();
  }

  @Test
  void badInputsExitWithTheirCodeAndOneLineNamingTheFileOrKeyChangingNothing() throws Exception {
    String conf = conf();
    Path nulls = write("nulls.json", "[null]");
    Path mixed = write("mixed.json", "[1,null,true]");
    Path surrogate = write("surrogate.json", "[\"ok \\ud83d end\"]");
    Path truncatedTexts = write("cut.json", "[\"a\", \"b");
    byte[] json = Files.readAllBytes(Fixtures.tokenizerDir("tinyllama-1.1b-chat-v1.0").resolve("tokenizer.json"));
    Path cutTok = tmp.resolve("cut-tok/tokenizer.json");
    Files.createDirectories(cutTok.getParent());
    Files.write(cutTok, java.util.Arrays.copyOf(json, json.length / 3));
    Path notGguf = write("model.bin", "not a tokenizer");
    List<Case> cases = List.of(
        new Case(List.of("inspect", "--conf", conf, "--texts-file", nulls.toString()), 4, List.of(nulls.toString(), "element 0 is null")),
        new Case(List.of("inspect", "--conf", conf, "--texts-file", mixed.toString()), 4, List.of(mixed.toString(), "element 0 is number 1")),
        new Case(List.of("inspect", "--conf", conf, "--texts-file", surrogate.toString()), 4,
            List.of(surrogate.toString(), "element 0 has an unpaired surrogate U+D83D at index 3")),
        new Case(List.of("inspect", "--conf", conf, "--texts-file", tmp.resolve("nope.json").toString()), 4, List.of("nope.json", "not found")),
        new Case(List.of("inspect", "--conf", conf, "--texts-file", truncatedTexts.toString()), 4, List.of("cut.json", "not valid JSON", "line 1")),
        new Case(List.of("prepare", "--conf", conf, "spark.master=local[abc]"), 3, List.of("spark.master = \"local[abc]\"", "master URL")),
        new Case(List.of("prepare", "--conf", conf, "--master", "local[0]"), 3, List.of("spark.master", "N >= 1")),
        new Case(List.of("prepare", "--conf", conf, "spark.conf={\"spark.driver.maxResultSize\"=\"lots\"}"), 3,
            List.of("spark.driver.maxResultSize", "\"lots\"")),
        new Case(List.of("prepare", "--conf", conf, "spark.conf={spark.executor.cores = 0}"), 3, List.of("spark.executor.cores")),
        new Case(List.of("prepare", "--conf", conf, "prepare.output=\"\""), 3, List.of("prepare.output is required")),
        new Case(List.of("prepare", "--conf", conf, "prepare.max-length=100.7"), 3, List.of("prepare.max-length = 100.7", "must be an integer")),
        new Case(List.of("prepare", "--conf", conf, "prepare.max-length=2.5"), 3, List.of("prepare.max-length = 2.5", "must be an integer")),
        new Case(List.of("prepare", "--conf", conf, "prepare.shards.train=null"), 3, List.of("prepare.shards.train = null", "must be an integer")),
        new Case(List.of("inspect", "--conf", conf, "--text", "x", "prepare.tokenizer=" + cutTok.getParent().toUri()), 3,
            List.of(cutTok.toUri().toString(), "is not valid JSON", "truncated")),
        new Case(List.of("inspect", "--conf", conf, "--text", "x", "prepare.tokenizer=" + notGguf.toUri()), 3,
            List.of("model.bin", "neither tokenizer.json nor a GGUF model")),
        new Case(List.of("inspect", "--conf", conf, "--text", "x", "prepare.tokenizer=" + tmp.resolve("none").toUri()), 3,
            List.of("none", "does not exist")));
    List<String> failures = new ArrayList<>();
    for (Case c : cases) {
      Map<String, String> before = snapshot(tmp);
      CliTest.Run r = CliTest.run(c.args().toArray(String[]::new));
      String err = r.err().strip();
      String what = String.join(" ", c.args()) + " -> exit " + r.code() + ", stderr: " + err;
      if (r.code() != c.code()) failures.add("exit code " + c.code() + " expected: " + what);
      else if (err.lines().count() != 1 || !err.startsWith("nomoat: error: ")) failures.add("one line expected: " + what);
      else if (!c.words().stream().allMatch(err::contains)) failures.add("expected " + c.words() + " in: " + what);
      else if (!before.equals(snapshot(tmp))) failures.add("the run changed files: " + what);
    }
    assertTrue(failures.isEmpty(), String.join("\n", failures));
  }

  @Test
  void goodValuesWorkTheSameOnTheCommandLineAndGgufTokenizersAndOddTextAreShown() throws Exception {
    String conf = conf();
    CliTest.Run quoted = CliTest.run("inspect", "--conf", conf, "--rows", "1", "--json", "prepare.template=\"chatml\"");
    assertEquals(0, quoted.code(), quoted.err());
    assertTrue(quoted.out().contains("<|im_start|>"), quoted.out());

    CliTest.Run gguf = CliTest.run("inspect", "--conf", conf, "--json", "--text", "Once upon a time", "prepare.tokenizer=" + Fixtures.stories260K().toUri());
    assertEquals(0, gguf.code(), gguf.err());
    assertTrue(gguf.out().contains("\"decoded_skip_special\":\"Once upon a time\""), gguf.out());

    CliTest.Run odd = CliTest.run("inspect", "--conf", conf, "--no-color", "--text", "left\u202Eright\u2028next\u001b[31m");
    assertEquals(0, odd.code(), odd.err());
    String text = odd.out().lines().filter(l -> l.startsWith("== text: ")).findFirst().orElseThrow();
    assertEquals("== text: left\\u202Eright\\u2028next\\u001B[31m", text);
    assertTrue(odd.out().chars().noneMatch(ch -> ch == 0x202E || ch == 0x2028 || ch == 0x1b), odd.out());
  }

  @Test
  void emptyInputsAreNamedInTheNoExamplesError() throws Exception {
    LocalSpark.get(); // prepare joins the test JVM's Spark session
    Path empty = write("in/empty.jsonl", "");
    Path brackets = write("in/none.json", "[]");
    String conf = conf();
    for (String sources : List.of("[{paths = [\"" + empty.toUri() + "\"]}]", "[{paths = [\"" + brackets.toUri() + "\"]}]",
        "[{paths = [\"" + empty.toUri() + "\", \"" + brackets.toUri() + "\"]}]")) {
      Map<String, String> before = snapshot(tmp);
      CliTest.Run r = CliTest.run("prepare", "--conf", conf, "prepare.sources=" + sources);
      String err = r.err().strip();
      assertEquals(4, r.code(), err);
      assertEquals(1, err.lines().count(), err);
      assertTrue(err.contains("no examples"), err);
      for (Path p : List.of(empty, brackets)) if (sources.contains(p.toUri().toString())) assertTrue(err.contains(p.getFileName().toString()), err);
      assertEquals(before, snapshot(tmp), "nothing left behind");
    }
  }

  /** Every file and directory below {@code root} with its size and modification time. */
  static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        out.put(root.relativize(p).toString(), a.isDirectory() ? "dir" : a.size() + "@" + a.lastModifiedTime().toMillis());
      }
    }
    return out;
  }
}
