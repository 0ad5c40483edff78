package nomoat.pipeline.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.record.RecordFormatName;
import nomoat.pipeline.data.template.TemplateName;
import nomoat.pipeline.source.SourceFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  private Path write(String text) throws Exception {
    Path f = dir.resolve("job.conf");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void defaultsComeFromReferenceConf() {
    NomoatConfig c = ConfigLoader.load((Path) null, List.of());
    assertEquals(TemplateName.ALPACA, c.prepare().template());
    assertEquals(2048, c.prepare().maxLength());
    assertFalse(c.prepare().dropOverLong());
    assertTrue(c.prepare().trainAllAssistantTurns());
    assertEquals(0.05, c.prepare().maxRejectFraction());
    assertEquals("local[*]", c.spark().master());
  }

  @Test
  void fileThenOverridesThenEnvironment() throws Exception {
    Path f = write("""
        prepare {
          output = "s3a://bucket/run1"
          tokenizer = ${?HOME}"/tok"
          max-length = 512
          sources = [ { name = a, paths = ["/data/a.jsonl"], record-format = sharegpt, columns { conversations = convs }, weight = 2.5, limit = 100 } ]
        }
        spark.conf { "spark.executor.memory" = "3g" }
        """);
    NomoatConfig c = ConfigLoader.load(f, List.of("prepare.max-length=1024", "prepare.output=hdfs://nn:8020/x//y", "prepare.template=chatml"));
    assertEquals(1024, c.prepare().maxLength());
    assertEquals("hdfs://nn:8020/x//y", c.prepare().output(), "URIs in overrides keep their slashes");
    assertEquals(TemplateName.CHATML, c.prepare().template());
    assertEquals(System.getenv("HOME") + "/tok", c.prepare().tokenizer());
    SourceSettings s = c.prepare().sources().get(0);
    assertEquals(RecordFormatName.SHAREGPT, s.recordFormat());
    assertEquals(SourceFormat.AUTO, s.fileFormat());
    assertEquals("convs", s.columns().get("conversations"));
    assertEquals(2.5, s.weight());
    assertEquals(100, s.limit());
    assertEquals("3g", c.spark().conf().get("spark.executor.memory"));
  }

  @Test
  void unknownKeyNamesKeyFileAndLineAndSuggests() throws Exception {
    Path f = write("prepare {\n  max-lenght = 10\n}\n");
    NomoatException e = assertThrows(NomoatException.class, () -> ConfigLoader.load(f, List.of()));
    assertEquals(NomoatException.ExitCode.CONFIG, e.exitCode());
    assertTrue(e.getMessage().contains("prepare.max-lenght"), e.getMessage());
    assertTrue(e.getMessage().contains("job.conf: 2"), e.getMessage());
    assertTrue(e.getMessage().contains("did you mean 'prepare.max-length'"), e.getMessage());
  }

  @Test
  void wrongTypeNamesKeyAndFile() throws Exception {
    Path f = write("prepare.max-length = lots\n");
    NomoatException e = assertThrows(NomoatException.class, () -> ConfigLoader.load(f, List.of()));
    assertTrue(e.getMessage().contains("max-length"), e.getMessage());
    assertTrue(e.getMessage().contains("job.conf"), e.getMessage());
  }

  @Test
  void impossibleValuesAreRefused() {
    assertMessage(List.of("prepare.split.validation-fraction=1.5"), "prepare.split.validation-fraction", "[0, 1)");
    assertMessage(List.of("prepare.template=zephyr"), "template", "must be one of");
    assertMessage(List.of("prepare.packing.enabled=true", "prepare.packing.seq-len=100"), "packing.seq-len", "max-length");
    assertMessage(List.of("prepare.sources=[{paths=[x], colour=red}]"), "prepare.sources[0]", "colour");
    assertMessage(List.of("prepare.sources=[{paths=[x], weight=0}]"), "weight", "(0, 1000]");
    assertMessage(List.of("prepare.sources=[{paths=[x], record-format=tsv}]"), "record-format", "alpaca");
    assertMessage(List.of("nonsense"), "nonsense", "key=value");
    assertMessage(List.of("prepare.sources=[{paths=[x], weight=1e9}]"), "weight", "(0, 1000]");
    assertMessage(List.of("prepare.sources=[{paths=[x], limit=1.7}]"), "prepare.sources[0].limit", "must be an integer");
    assertMessage(List.of("prepare.sources=[{paths=[x], columns={instruction=[a,b]}}]"), "columns.instruction", "string");
    assertMessage(List.of("prepare.sources=[{name=\"a,b\", paths=[x]}]"), "name", "','");
    assertMessage(List.of("prepare.split.validation-count=-7"), "prepare.split.validation-count", "-1");
    assertMessage(List.of("prepare.split.seed=1.5"), "prepare.split.seed", "must be an integer");
    assertMessage(List.of("prepare.shards.train=50000000"), "prepare.shards.train", "at most");
    assertMessage(List.of("prepare.max-length=lots"), "prepare.max-length");
  }

  /** Template and format names become enums once, here; a bad one is one config error naming the key and the choices. */
  @Test
  void namesBecomeEnumsAtTheBoundaryAndBadOnesNameTheKeyAndTheChoices() {
    NomoatConfig c = ConfigLoader.load((Path) null, List.of("prepare.template=vicuna_v1.1", "generate.template=raw",
        "prepare.sources=[{paths=[x], file-format=jsonl, record-format=messages}]"));
    assertEquals(TemplateName.VICUNA_V1_1, c.prepare().template());
    assertEquals(TemplateName.RAW, c.generate().template());
    assertEquals(SourceFormat.JSONL, c.prepare().sources().get(0).fileFormat());
    assertEquals(RecordFormatName.MESSAGES, c.prepare().sources().get(0).recordFormat());
    assertEquals(TemplateName.LLAMA3, ConfigLoader.load((Path) null, List.of("prepare.template=llama3")).generate().template(),
        "generate takes prepare's template unless set");

    String templates = "[alpaca, vicuna_v1.1, llama2, llama3, chatml, tokenizer, raw]";
    record Bad(String override, String message) {}
    for (Bad b : List.of(
        new Bad("prepare.template=zephyr", "prepare.template = \"zephyr\" (command-line override 'prepare.template=zephyr': 1): must be one of " + templates),
        new Bad("generate.template=Raw", "generate.template = \"Raw\" (command-line override 'generate.template=Raw': 1): must be one of " + templates),
        new Bad("prepare.sources=[{paths=[x], file-format=xml}]",
            "prepare.sources[0].file-format = xml: must be one of [json, jsonl, csv, parquet, auto]"),
        new Bad("prepare.sources=[{paths=[x], record-format=tsv}]",
            "prepare.sources[0].record-format = tsv: must be one of [alpaca, sharegpt, messages, text]"),
        new Bad("prepare.template=raw", "prepare.template = raw only applies to record-format = text, but source 'source0' is alpaca"))) {
      List<String> o = new ArrayList<>(List.of("prepare.sources=[{paths=[x]}]"));
      o.add(b.override());
      NomoatException e = assertThrows(NomoatException.class, () -> ConfigLoader.load((Path) null, o), b.override());
      assertEquals(NomoatException.ExitCode.CONFIG, e.exitCode(), b.override());
      assertEquals(3, e.exitCode().code);
      assertEquals(b.message(), e.getMessage());
    }
  }

  @Test
  void overridesMeanWhatTheyMeanInTheFile() {
    // value on the command line -> what prepare.output / prepare.system-prompt holds
    String[][] strings = {
        {"\"\"", ""}, {"", ""}, {"\"chatml\"", "chatml"}, {"chatml", "chatml"}, {"/data/out", "/data/out"},
        {"s3a://b/x", "s3a://b/x"}, {"\"s3a://b/x\"", "s3a://b/x"}, {"hdfs://nn:8020/x//y", "hdfs://nn:8020/x//y"},
        {"file:///tmp/out#1", "file:///tmp/out#1"}, {"/tmp/x//y", "/tmp/x//y"}, {"C:\\data\\out", "C:\\data\\out"},
        {"a b  c", "a b  c"}, {"You are helpful, be nice", "You are helpful, be nice"}, {"\"with \\\"quotes\\\"\"", "with \"quotes\""},
        {"s3a://b/*.jsonl", "s3a://b/*.jsonl"}, {"42", "42"}, {"out-${vars.x}", "out-X"}, {"${vars.x}/y", "X/y"},
        {"s3a://b/${vars.x}/z", "s3a://b/X/z"}, {"\"a\" # comment", "a"}};
    for (String[] c : strings) {
      NomoatConfig cfg = ConfigLoader.load((Path) null, List.of("vars.x=X", "prepare.output=" + c[0], "prepare.system-prompt=" + c[0]));
      assertEquals(c[1], cfg.prepare().output(), "prepare.output=" + c[0]);
      assertEquals(c[1], cfg.prepare().systemPrompt(), "prepare.system-prompt=" + c[0]);
    }
    assertEquals(TemplateName.CHATML, ConfigLoader.load((Path) null, List.of("prepare.template=\"chatml\"")).prepare().template());
    assertNull(ConfigLoader.load((Path) null, List.of("prepare.system-prompt=null")).prepare().systemPrompt());
    assertEquals("null", ConfigLoader.load((Path) null, List.of("prepare.system-prompt=\"null\"")).prepare().systemPrompt());
    assertTrue(ConfigLoader.load((Path) null, List.of("prepare.dedup=yes")).prepare().dedup());
    assertEquals("local[*]", ConfigLoader.load((Path) null, List.of("spark.master=local[*]")).spark().master());
    assertEquals("spark://h1:7077,h2:7077", ConfigLoader.load((Path) null, List.of("spark.master=spark://h1:7077,h2:7077")).spark().master());
    assertEquals(List.of("s3a://b/a.jsonl", "x"),
        ConfigLoader.load((Path) null, List.of("prepare.sources=[{paths = [\"s3a://b/a.jsonl\", x]}]")).prepare().sources().get(0).paths());
    // the empty output is then the ordinary "required" error
    NomoatException e = assertThrows(NomoatException.class,
        () -> ConfigLoader.load((Path) null, List.of("prepare.output=\"\"")).prepare().requireOutputAndTokenizer());
    assertTrue(e.getMessage().startsWith("prepare.output is required"), e.getMessage());
    assertMessage(List.of("prepare.output=\"unterminated"), "command-line override 'prepare.output=\"unterminated'");
  }

  @Test
  void everyIntegerKeyRefusesFractionsAndNulls() {
    for (String key : List.of("prepare.max-length", "prepare.packing.seq-len", "prepare.shards.train", "prepare.shards.validation",
        "prepare.shards.target-rows", "prepare.parallelism", "prepare.split.validation-count", "prepare.split.seed")) {
      for (String v : List.of("100.7", "2.5", "null", "lots", "[1]")) {
        assertMessage(List.of(key + "=" + v), key + " = ", "must be an integer", "command-line override");
      }
    }
    assertMessage(List.of("prepare.max-length=1e40"), "prepare.max-length", "must be an integer");
    assertMessage(List.of("prepare.max-length=4"), "prepare.max-length", "at least 8");
    assertEquals(1000, ConfigLoader.load((Path) null, List.of("prepare.max-length=1e3")).prepare().maxLength());
    assertEquals(100, ConfigLoader.load((Path) null, List.of("prepare.max-length=100.0")).prepare().maxLength());
  }

  @Test
  void explicitNullsAreReportedNotCrashedOn() throws Exception {
    Path f = write("prepare.template = null\n");
    NomoatException e = assertThrows(NomoatException.class, () -> ConfigLoader.load(f, List.of()));
    assertEquals("prepare.template = null (" + f + ": 1): must be one of " + nomoat.pipeline.config.PrepareSettings.TEMPLATES, e.getMessage());
    assertMessage(List.of("spark.master=null"), "spark.master = null", "is required");
    assertMessage(List.of("prepare.dedup=null"), "prepare.dedup = null", "true or false");
    assertMessage(List.of("prepare.max-reject-fraction=null"), "prepare.max-reject-fraction = null", "number");
    assertMessage(List.of("prepare.system-prompt=\"a \\ud83d b\""), "prepare.system-prompt", "unpaired surrogate U+D83D at index 2");
  }

  @Test
  void sparkSettingsAreCheckedBeforeSparkStarts() throws Exception {
    for (String bad : List.of("local[abc]", "local[0]", "local[2,x]", "local-cluster[2,1]", "spark://", "spark://host", "k8s://", "lokal",
        "yarn-client", "local[*")) {
      assertMessage(List.of("spark.master=" + bad), "spark.master = ", bad, "command-line override");
    }
    for (String ok : List.of("local", "local[4]", "local[*]", "local[4,3]", "local[*, 2]", "local-cluster[2,1,1024]", "spark://h:7077", "yarn",
        "k8s://https://10.0.0.1:6443")) {
      assertEquals(ok, ConfigLoader.load((Path) null, List.of("spark.master=" + ok)).spark().master());
    }
    Path f = write("spark.conf { \"spark.driver.maxResultSize\" = \"lots\" }\n");
    NomoatException e = assertThrows(NomoatException.class, () -> ConfigLoader.load(f, List.of()));
    assertEquals(NomoatException.ExitCode.CONFIG, e.exitCode());
    assertTrue(e.getMessage().startsWith("spark.conf: spark.driver.maxResultSize = \"lots\" (" + f + ": 1): must be a whole size"), e.getMessage());
    String[][] cases = {{"spark.executor.memory", "4.5g"}, {"spark.network.timeout", "soon"}, {"spark.speculation", "maybe"},
        {"spark.ui.enabled", "1"}, {"spark.executor.cores", "0"}, {"spark.default.parallelism", "two"}, {"spark.driver.port", "9x"},
        {"spark.memory.fraction", "1.5"}, {"spark.master", "local[abc]"}};
    for (String[] c : cases) assertMessage(List.of("spark.conf={\"" + c[0] + "\" = \"" + c[1] + "\"}"), "spark.conf: " + c[0] + " = ");
    // unquoted keys nest in HOCON; they still mean the Spark property
    NomoatConfig nested = ConfigLoader.load(write("spark.conf { spark.executor.memory = 4g, \"spark.jars\" = [a.jar, b.jar] }\n"), List.of());
    assertEquals(java.util.Map.of("spark.executor.memory", "4g", "spark.jars", "a.jar,b.jar"), nested.spark().conf());
    assertMessage(List.of("spark.conf={spark.executor.memory = lots}"), "spark.conf: spark.executor.memory = ");
    assertEquals("2g", ConfigLoader.load((Path) null, List.of("spark.conf={\"spark.driver.maxResultSize\" = 2g, \"spark.custom.thing\" = whatever}"))
        .spark().conf().get("spark.driver.maxResultSize"));
  }

  private static void assertMessage(List<String> overrides, String... parts) {
    NomoatException e = assertThrows(NomoatException.class, () -> ConfigLoader.load((Path) null, overrides));
    assertEquals(NomoatException.ExitCode.CONFIG, e.exitCode());
    for (String p : parts) assertTrue(e.getMessage().contains(p), e.getMessage());
  }
}
