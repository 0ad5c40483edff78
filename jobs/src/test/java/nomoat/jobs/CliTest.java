package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as Airflow and cron see it: exit codes and one clear error line. */
@Tag("integration")
class CliTest {
  @TempDir Path tmp;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  private Path conf(String body) throws Exception {
    Path f = tmp.resolve("job.conf");
    Files.writeString(f, body);
    return f;
  }

  private String baseConf() {
    return "prepare {\n  output = \"" + tmp.resolve("out").toUri() + "\"\n  tokenizer = \"" + PrepareJobTest.TINYLLAMA + "\"\n"
        + "  sources = [ { name = si, paths = [\"" + PrepareJobTest.SELF_INSTRUCT + "\"] } ]\n}\n";
  }

  @Test
  void helpAndUsage() {
    Run help = run("--help");
    assertEquals(0, help.code());
    for (String stage : List.of("prepare", "inspect", "train", "evaluate", "demo", "bench")) assertTrue(help.out().contains(stage), stage);
    assertEquals(0, run("prepare", "--help").code());
    assertEquals(0, run("inspect", "--help").code());
    Run bad = run("prepare", "--no-such-option");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("--no-such-option"), bad.err());
  }

  /** Without a stage the usage goes to the writer Main was given (Airflow captures that one), not to System.out. */
  @Test
  void usageWithoutAStageGoesToTheGivenWriter() {
    java.io.PrintStream stdout = System.out;
    java.io.ByteArrayOutputStream leaked = new java.io.ByteArrayOutputStream();
    Run none;
    try {
      System.setOut(new java.io.PrintStream(leaked, true));
      none = run();
    } finally {
      System.setOut(stdout);
    }
    assertEquals(0, none.code(), none.err());
    assertTrue(none.out().startsWith("Usage: nomoat"), none.out());
    assertTrue(none.out().contains("bin/nomoat bench --help"), "the help says where the benchmarks went: " + none.out());
    assertEquals("", leaked.toString(), "nothing on System.out");
    assertEquals("", none.err());
    assertEquals(2, run("bench").code(), "bench is not in the app jar");
  }

  @Test
  void configErrorsExitThreeNamingTheKeyAndFile() throws Exception {
    Path f = conf(baseConf() + "prepare.max-lenght = 12\n");
    Run r = run("prepare", "--conf", f.toString());
    assertEquals(3, r.code());
    String line = r.err().strip();
    assertEquals(1, line.lines().count(), "one line: " + line);
    assertTrue(line.startsWith("nomoat: error: unknown key 'prepare.max-lenght'"), line);
    assertTrue(line.contains("job.conf: 6"), line);

    Run missingTokenizer = run("prepare", "--conf", conf(baseConf()).toString(), "prepare.tokenizer=" + tmp.resolve("nowhere").toUri());
    assertEquals(3, missingTokenizer.code());
    assertTrue(missingTokenizer.err().contains("tokenizer.json"), missingTokenizer.err());
    assertFalse(Files.exists(tmp.resolve("out")), "nothing written on a config error");
  }

  @Test
  void inputErrorsExitFourAndOutputExistsExitsSix() throws Exception {
    Path f = conf(baseConf());
    Run noInput = run("prepare", "--conf", f.toString(), "prepare.sources=[{paths = [\"" + tmp.resolve("missing-*.jsonl").toUri() + "\"]}]");
    assertEquals(4, noInput.code(), noInput.err());
    assertTrue(noInput.err().contains("missing-*.jsonl"), noInput.err());
    try (var left = Files.list(tmp)) {
      assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".out.tmp")), "a failed run leaves no staging dir");
    }

    LocalSpark.get(); // prepare joins the test JVM's Spark session instead of starting one
    Run ok = run("prepare", "--conf", f.toString());
    assertEquals(0, ok.code(), ok.err());
    assertTrue(ok.out().startsWith("prepare: 175 rows read, 175 examples"), ok.out());
    Run again = run("prepare", "--conf", f.toString());
    assertEquals(6, again.code());
    assertTrue(again.err().contains("--force"), again.err());
    assertEquals(0, run("prepare", "--conf", f.toString(), "--force").code());
  }

  @Test
  void inspectRowsAsJsonAndText() throws Exception {
    Path f = conf(baseConf());
    Run r = run("inspect", "--conf", f.toString(), "--rows", "2", "--json", "prepare.template=llama2");
    assertEquals(0, r.code(), r.err());
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> rows = new ArrayList<>();
    for (String line : r.out().strip().split("\n")) rows.add(json.readTree(line));
    assertEquals(2, rows.size());
    for (JsonNode row : rows) {
      int n = row.get("ids").size();
      assertEquals(n, row.get("tokens").size());
      assertEquals(n, row.get("trained").size());
      assertTrue(row.get("text").asText().startsWith("<s>[INST] "), row.get("text").asText());
      assertFalse(row.get("trained").get(0).asBoolean(), "the prompt is not trained");
      assertTrue(row.get("trained").get(n - 1).asBoolean(), "the closing </s> is trained");
      assertEquals(2, row.get("ids").get(n - 1).asInt());
    }

    Run plain = run("inspect", "--conf", f.toString(), "--rows", "1", "--no-color");
    assertEquals(0, plain.code());
    assertTrue(plain.out().contains("[["), "trained text is bracketed: " + plain.out());

    Run text = run("inspect", "--conf", f.toString(), "--text", "Hello world", "--json");
    JsonNode t = json.readTree(text.out().strip());
    assertEquals("[1,15043,3186]", t.get("ids").toString());
    assertEquals("<s> Hello world", t.get("decoded").asText());
    assertEquals("Hello world", t.get("decoded_skip_special").asText());

    Path texts = tmp.resolve("texts.json");
    Files.writeString(texts, "[\"Hello world\", \"</s>\"]");
    Run many = run("inspect", "--conf", f.toString(), "--texts-file", texts.toString());
    assertEquals(0, many.code());
    assertTrue(many.out().contains("ids (3): [1, 15043, 3186]"), many.out());
    assertTrue(many.out().contains("ids (2): [1, 2]"), many.out());
  }
}
