package nomoat.pipeline.source;

import static nomoat.pipeline.source.SourceTestFiles.write;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.NomoatException.ExitCode;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputFilesTest {
  @TempDir Path tmp;
  final Configuration conf = new Configuration();

  @Test
  void directoriesExpandToVisibleFilesSorted() throws Exception {
    String b = write(tmp, "d/b.jsonl", "{}\n");
    String a = write(tmp, "d/a.jsonl", "{}\n{}\n");
    String c = write(tmp, "d/sub/c.jsonl", "{}");
    write(tmp, "d/_SUCCESS", "");
    write(tmp, "d/.a.jsonl.crc", "x");
    write(tmp, "d/_tmp/x.jsonl", "{}");
    List<InputFile> files = InputFiles.expand(conf, List.of(tmp.resolve("d").toString()));
    assertEquals(List.of(new InputFile(a, 6), new InputFile(b, 3), new InputFile(c, 2)), files);
  }

  @Test
  void globsMatchAndDuplicatesCollapse() throws Exception {
    String a = write(tmp, "a.jsonl", "{}\n");
    write(tmp, "b.csv", "x\n1\n");
    List<InputFile> files = InputFiles.expand(conf, List.of(tmp + "/*.jsonl", tmp.resolve("a.jsonl").toUri().toString()));
    assertEquals(List.of(new InputFile(a, 3)), files);
  }

  @Test
  void patternMatchingNothingIsNamed() throws Exception {
    write(tmp, "a.jsonl", "{}\n");
    String pattern = tmp + "/*.parquet";
    NomoatException e = assertThrows(NomoatException.class, () -> InputFiles.expand(conf, List.of(tmp + "/a.jsonl", pattern)));
    assertEquals(ExitCode.INPUT_DATA, e.exitCode());
    assertEquals("input path " + pattern + " matches no files", e.getMessage());
    assertThrows(NomoatException.class, () -> InputFiles.expand(conf, List.of(tmp + "/missing.jsonl")));
  }

  @Test
  void autoFormatByExtensionAndFirstByte() throws Exception {
    assertEquals(SourceFormat.JSON, SourceFormat.AUTO.resolve(conf, write(tmp, "x.json", "\uFEFF \n [ {} ]")));
    assertEquals(SourceFormat.JSONL, SourceFormat.AUTO.resolve(conf, write(tmp, "y.json", "{\"a\":1}\n{\"a\":2}\n")));
    assertEquals(SourceFormat.JSONL, SourceFormat.AUTO.resolve(conf, "file:/nowhere/z.JSONL"));
    assertEquals(SourceFormat.CSV, SourceFormat.AUTO.resolve(conf, "file:/nowhere/z.csv"));
    assertEquals(SourceFormat.PARQUET, SourceFormat.AUTO.resolve(conf, "file:/nowhere/part-0.parquet"));
    assertEquals(SourceFormat.CSV, SourceFormat.CSV.resolve(conf, "file:/nowhere/z.txt"));
    NomoatException e = assertThrows(NomoatException.class, () -> SourceFormat.AUTO.resolve(conf, "file:/nowhere/z.txt"));
    assertTrue(e.getMessage().contains("file:/nowhere/z.txt"), e.getMessage());
    assertEquals(SourceFormat.JSONL, SourceFormat.parse(" JsonL"));
    assertEquals(ExitCode.CONFIG, assertThrows(NomoatException.class, () -> SourceFormat.parse("xml")).exitCode());
  }
}
