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
}
