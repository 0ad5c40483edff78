package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.shard.Manifest;
import nomoat.pipeline.shard.RejectedWriter;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A generated ShareGPT dataset with a known number of corrupt rows of each kind gives exactly those rejects. */
@Tag("integration")
class PrepareRejectsTest {
  @TempDir Path tmp;

  static final String GOOD = "{\"conversations\":[{\"from\":\"human\",\"value\":\"Say hi number %d\"},{\"from\":\"gpt\",\"value\":\"Hi %d!\"}]}";

  /** good rows, then per reason a known number of bad ones, interleaved deterministically. */
  static Map<String, Integer> writeDataset(Path file, int good) throws Exception {
    Map<String, Integer> expected = new TreeMap<>();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int line = 0;
    for (int i = 0; i < good; i++) {
      out.write(String.format(GOOD, i, i).getBytes(StandardCharsets.UTF_8));
      out.write('\n');
      line++;
      switch (i % 40) {
        case 3 -> bad(out, expected, "malformed_json", "{\"conversations\": [ {\"from\": \"human\", \"value\": \"oops\"");
        case 7 -> bad(out, expected, "missing_field", "{\"id\": 5}");
        case 11 -> bad(out, expected, "empty_field", "{\"conversations\":[{\"from\":\"human\",\"value\":\"   \"},{\"from\":\"gpt\",\"value\":\"x\"}]}");
        case 15 -> bad(out, expected, "unknown_role", "{\"conversations\":[{\"from\":\"human\",\"value\":\"a\"},{\"from\":\"robot\",\"value\":\"b\"}]}");
        case 19 -> bad(out, expected, "wrong_turn_order", "{\"conversations\":[{\"from\":\"gpt\",\"value\":\"a\"},{\"from\":\"human\",\"value\":\"b\"}]}");
        case 23 -> {
          // invalid UTF-8 (a lone continuation byte) inside a JSON string
          out.write("{\"conversations\":[{\"from\":\"human\",\"value\":\"bad ".getBytes(StandardCharsets.UTF_8));
          out.write(0x80);
          out.write(" byte\"},{\"from\":\"gpt\",\"value\":\"x\"}]}\n".getBytes(StandardCharsets.UTF_8));
          expected.merge("undecodable_text", 1, Integer::sum);
        }
        case 27 -> bad(out, expected, "too_long", "{\"conversations\":[{\"from\":\"human\",\"value\":\"" + "word ".repeat(300)
            + "\"},{\"from\":\"gpt\",\"value\":\"x\"}]}");
        default -> { }
      }
    }
    Files.write(file, out.toByteArray());
    return expected;
  }

  private static void bad(ByteArrayOutputStream out, Map<String, Integer> expected, String reason, String line) throws Exception {
    out.write(line.getBytes(StandardCharsets.UTF_8));
    out.write('\n');
    expected.merge(reason, 1, Integer::sum);
  }

  @Test
  void everyKindOfBadRowIsQuarantinedAndCounted() throws Exception {
    Path data = tmp.resolve("chat.jsonl");
    Map<String, Integer> expected = writeDataset(data, 400);
    int bad = expected.values().stream().mapToInt(Integer::intValue).sum();
    assertEquals(70, bad);
    SparkSession spark = LocalSpark.get();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String out = tmp.resolve("out").toUri().toString();
    String sources = "[{name = chat, paths = [\"" + data.toUri() + "\"], record-format = sharegpt}]";
    PrepareJob.Summary s = PrepareJob.run(spark, PrepareJobTest.config(out, PrepareJobTest.TINYLLAMA, "vicuna_v1.1", sources,
        "prepare.max-length=200", "prepare.length-policy=drop", "prepare.max-reject-fraction=0.2"), false);

    assertEquals(470, s.rowsRead());
    assertEquals(400, s.examples());
    assertEquals(70, s.rejected());
    Manifest m = Manifest.read(conf, out + "/manifest.json");
    Map<String, Long> byReason = new TreeMap<>(m.stats().rejectedByReason());
    Map<String, Long> want = new TreeMap<>();
    expected.forEach((k, v) -> want.put(k, v.longValue()));
    assertEquals(want, byReason);

    List<Rejection> rejected = new java.util.ArrayList<>();
    try (var files = Files.list(tmp.resolve("out/rejected"))) {
      for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".jsonl") && !f.getFileName().toString().startsWith(".")).toList()) {
        rejected.addAll(RejectedWriter.readAll(conf, f.toUri().toString()));
      }
    }
    assertEquals(70, rejected.size());
    List<String> lines = Files.readAllLines(data, StandardCharsets.ISO_8859_1);
    for (Rejection r : rejected) {
      int lineNo = Integer.parseInt(r.location().substring(r.location().lastIndexOf(' ') + 1));
      if (!r.reason().code().equals("undecodable_text")) {
        assertEquals(new String(lines.get(lineNo - 1).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8), r.raw(),
            "the location points at the rejected line");
      }
      assertTrue(r.location().startsWith(data.toUri().toString().replace("file:///", "file:/")) || r.location().contains("chat.jsonl"), r.location());
      assertTrue(r.location().matches(".*chat\\.jsonl:line \\d+"), r.location());
      assertFalse(r.detail().isBlank());
      assertNotNull(r.raw());
    }
  }

  @Test
  void tooManyRejectsFailsWithoutCommitting() throws Exception {
    Path data = tmp.resolve("chat.jsonl");
    writeDataset(data, 400);
    String out = tmp.resolve("out2").toUri().toString();
    String sources = "[{name = chat, paths = [\"" + data.toUri() + "\"], record-format = sharegpt}]";
    NomoatException e = assertThrows(NomoatException.class, () -> PrepareJob.run(LocalSpark.get(),
        PrepareJobTest.config(out, PrepareJobTest.TINYLLAMA, "vicuna_v1.1", sources, "prepare.max-length=200",
            "prepare.length-policy=drop", "prepare.max-reject-fraction=0.1"), false));
    assertEquals(NomoatException.ExitCode.INPUT_DATA, e.exitCode());
    assertTrue(e.getMessage().contains("70 of 470 rows rejected"), e.getMessage());
    assertTrue(e.getMessage().contains("max-reject-fraction"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("out2/_SUCCESS")));
    assertFalse(Files.exists(tmp.resolve("out2")), "nothing visible at the output path");
  }
}
