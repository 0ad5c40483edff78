package nomoat.pipeline.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import nomoat.pipeline.NomoatException;
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
    assertEquals("alpaca", c.prepare().template());
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
    assertEquals("chatml", c.prepare().template());
    assertEquals(System.getenv("HOME") + "/tok", c.prepare().tokenizer());
    SourceSettings s = c.prepare().sources().get(0);
    assertEquals("sharegpt", s.recordFormat());
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
    assertMessage(List.of("prepare.sources=[{paths=[x], limit=1.7}]"), "limit", "whole number");
    assertMessage(List.of("prepare.sources=[{paths=[x], columns={instruction=[a,b]}}]"), "columns.instruction", "string");
    assertMessage(List.of("prepare.sources=[{name=\"a,b\", paths=[x]}]"), "name", "','");
    assertMessage(List.of("prepare.split.validation-count=-7"), "prepare.split.validation-count", "-1");
    assertMessage(List.of("prepare.split.seed=1.5"), "prepare.split.seed", "whole number");
    assertMessage(List.of("prepare.shards.train=50000000"), "prepare.shards.train", "at most");
    assertMessage(List.of("prepare.max-length=lots"), "prepare.max-length");
  }

  private static void assertMessage(List<String> overrides, String... parts) {
    NomoatException e = assertThrows(NomoatException.class, () -> ConfigLoader.load((Path) null, overrides));
    assertEquals(NomoatException.ExitCode.CONFIG, e.exitCode());
    for (String p : parts) assertTrue(e.getMessage().contains(p), e.getMessage());
  }
}
