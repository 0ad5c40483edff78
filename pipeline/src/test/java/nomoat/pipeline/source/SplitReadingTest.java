package nomoat.pipeline.source;

import static nomoat.pipeline.source.SourceTestFiles.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Splits of a file at arbitrary byte offsets together yield exactly the whole file's records, once, in order. */
class SplitReadingTest {
  @TempDir Path tmp;

  private static byte[] jsonl(Random rnd, int lines) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < lines; i++) {
      String line = switch (rnd.nextInt(10)) {
        case 0 -> "";                                 // blank
        case 1 -> "{\"broken\": ";                    // malformed
        case 2 -> "{\"i\":" + i + ",\"t\":\"caf\u00e9 \u4e2d\u6587\"}"; // multi-byte UTF-8
        default -> "{\"i\":" + i + ",\"t\":\"" + "x".repeat(rnd.nextInt(40)) + "\"}";
      };
      out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
      if (rnd.nextInt(7) == 0) out.write('\r');
      if (i < lines - 1 || rnd.nextBoolean()) out.write('\n');
    }
    return out.toByteArray();
  }

  private static byte[] csv(Random rnd, int lines) {
    StringBuilder sb = new StringBuilder("a,b\n");
    for (int i = 0; i < lines; i++) {
      sb.append(switch (rnd.nextInt(8)) {
        case 0 -> "";
        case 1 -> "only-one-field";
        case 2 -> i + ",\"quoted, with comma \"\"q\"\"\"";
        default -> i + "," + "y".repeat(rnd.nextInt(30));
      }).append(rnd.nextInt(5) == 0 ? "\r\n" : "\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A record's identity without its location (which differs between split and whole reads). */
  private static String key(ReadResult r) {
    if (r instanceof ReadResult.Row row) return "row " + row.row().fields() + " " + row.row().raw();
    ReadResult.Bad bad = (ReadResult.Bad) r;
    return "bad " + bad.rejection().reason() + " " + bad.rejection().raw();
  }

  private static String location(ReadResult r) {
    return r instanceof ReadResult.Row row ? row.row().location() : ((ReadResult.Bad) r).rejection().location();
  }

  private void checkSplits(SourceReader reader, String uri, int length, Random rnd) {
    List<ReadResult> whole = readAll(reader, uri);
    List<String> wholeKeys = whole.stream().map(SplitReadingTest::key).toList();
    assertTrue(whole.size() > 100);
    for (int trial = 0; trial < 40; trial++) {
      TreeSet<Integer> cuts = new TreeSet<>();
      int n = 1 + rnd.nextInt(12);
      for (int i = 0; i < n; i++) cuts.add(rnd.nextInt(length + 1));
      if (trial == 0) for (int c = 0; c <= Math.min(length, 700); c += 1 + rnd.nextInt(3)) cuts.add(c); // tiny splits: every boundary case
      cuts.add(0);
      cuts.add(length);
      List<Integer> points = new ArrayList<>(cuts);
      List<String> joined = new ArrayList<>();
      for (int i = 0; i + 1 < points.size(); i++) {
        long start = points.get(i), end = points.get(i + 1);
        for (ReadResult r : readRange(reader, uri, start, end)) {
          joined.add(key(r));
          String loc = location(r);
          assertTrue(start == 0 ? loc.startsWith(uri + ":line ") : loc.startsWith(uri + "@"), loc);
          if (start != 0) {
            long offset = Long.parseLong(loc.substring(loc.lastIndexOf('@') + 1));
            assertTrue(offset > start && offset <= end, "record at " + offset + " read by split [" + start + "," + end + ")");
          }
        }
      }
      assertEquals(wholeKeys, joined, "cuts " + points);
    }
  }

  @Test
  void jsonlSplitsEqualWholeFile() throws Exception {
    Random rnd = new Random(42);
    byte[] bytes = jsonl(rnd, 400);
    checkSplits(new SourceReader("s", SourceFormat.JSONL), write(tmp, "a.jsonl", bytes), bytes.length, rnd);
  }

  @Test
  void csvSplitsEqualWholeFile() throws Exception {
    Random rnd = new Random(7);
    byte[] bytes = csv(rnd, 400);
    checkSplits(new SourceReader("s", SourceFormat.CSV), write(tmp, "a.csv", bytes), bytes.length, rnd);
  }
}
