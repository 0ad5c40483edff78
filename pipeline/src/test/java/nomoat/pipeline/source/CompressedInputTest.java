package nomoat.pipeline.source;

import static nomoat.pipeline.source.SourceTestFiles.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import nomoat.pipeline.data.RejectReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Gzipped inputs read like plain ones (whole file only). */
class CompressedInputTest {
  @TempDir Path tmp;

  private static byte[] gzip(String text) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  @Test
  void gzippedJsonlCsvAndJsonArray() throws Exception {
    String jsonl = write(tmp, "a.jsonl.gz", gzip("{\"i\":1}\nnot json\n{\"i\":3}\n"));
    List<ReadResult> rs = readAll(new SourceReader("s", SourceFormat.AUTO), jsonl);
    assertEquals(3, rs.size());
    assertEquals(Map.of("i", 3), row(rs.get(2)).row().fields());
    assertEquals(jsonl + ":line 3", row(rs.get(2)).row().location());
    assertEquals(RejectReason.MALFORMED_JSON, bad(rs.get(1)).rejection().reason());

    String csv = write(tmp, "b.csv.gz", gzip("x,y\n1,\"two\nlines\"\n"));
    assertEquals(Map.of("x", "1", "y", "two\nlines"), row(readAll(new SourceReader("s", SourceFormat.AUTO), csv).get(0)).row().fields());

    String json = write(tmp, "c.json.gz", gzip("[{\"k\":\"v\"}]"));
    assertEquals(SourceFormat.JSON, SourceFormat.AUTO.resolve(CONF, json));
    assertEquals(json + "#0", row(readAll(new SourceReader("s", SourceFormat.AUTO), json).get(0)).row().location());

    assertFalse(SourceFormat.JSONL.splittable(CONF, jsonl));
    assertThrows(IllegalArgumentException.class, () -> readRange(new SourceReader("s", SourceFormat.JSONL), jsonl, 5, 40));
  }

  @Test
  void aTruncatedOrCorruptGzipIsADataErrorNamingTheFile() throws Exception {
    String rows = "{\"i\":1}\n".repeat(2000);
    byte[] whole = gzip(rows);
    byte[] truncated = java.util.Arrays.copyOf(whole, whole.length / 2);
    byte[] flipped = whole.clone();
    flipped[whole.length - 6] ^= 0x5a;             // the CRC in the trailer
    byte[] headerOnly = java.util.Arrays.copyOf(whole, 5);
    String arrayRows = "[" + "{\"i\":1},".repeat(2000) + "{\"i\":2}]";
    byte[] arrayTruncated = java.util.Arrays.copyOf(gzip(arrayRows), gzip(arrayRows).length / 2);
    for (var c : List.of(Map.entry("t.jsonl.gz", truncated), Map.entry("f.jsonl.gz", flipped),
        Map.entry("h.jsonl.gz", headerOnly), Map.entry("t.json.gz", arrayTruncated), Map.entry("t.csv.gz", truncated))) {
      String uri = write(tmp, c.getKey(), c.getValue());
      for (SourceFormat f : List.of(SourceFormat.AUTO, SourceFormat.JSONL)) {
        if (f == SourceFormat.JSONL && !c.getKey().contains("jsonl")) continue;
        nomoat.pipeline.NomoatException e = assertThrows(nomoat.pipeline.NomoatException.class,
            () -> readAll(new SourceReader("s", f), uri), c.getKey());
        assertEquals(nomoat.pipeline.NomoatException.ExitCode.INPUT_DATA, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().contains(uri), e.getMessage());
        assertTrue(e.getMessage().contains("truncated or corrupt"), e.getMessage());
      }
    }
  }

  @Test
  void anEmptyCompressedFileHoldsNoRows() throws Exception {
    String uri = write(tmp, "empty.jsonl.gz", new byte[0]);
    assertEquals(List.of(), readAll(new SourceReader("s", SourceFormat.AUTO), uri));
  }
}
