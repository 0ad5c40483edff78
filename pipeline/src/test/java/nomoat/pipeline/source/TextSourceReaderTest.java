package nomoat.pipeline.source;

import static nomoat.pipeline.source.SourceTestFiles.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.RejectReason;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.data.SourceRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSONL, CSV and JSON-array reading, with every kind of corrupt row. */
class TextSourceReaderTest {
  @TempDir Path tmp;

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) out.writeBytes(p);
    return out.toByteArray();
  }

  private static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

  @Test
  void jsonlRowsAndEveryKindOfBadLine() throws Exception {
    byte[] file = concat(
        utf8("\uFEFF{\"instruction\":\"Say hi\",\"n\":3,\"x\":1.5,\"ok\":true,\"tags\":[\"a\",{\"b\":null}]}\r\n"),
        utf8("\n   \n"),
        utf8("{\"instruction\": \"unterminated\n"),
        utf8("[1,2]\n"),
        utf8("{\"a\":1} trailing\n"),
        concat(utf8("{\"text\":\"caf"), new byte[] {(byte) 0xC3, (byte) 0x28}, utf8("\"}\n")),
        utf8("{\"instruction\":\"last, no newline\"}"));
    String uri = write(tmp, "data.jsonl", file);
    List<ReadResult> rs = readAll(new SourceReader("alpaca", SourceFormat.JSONL), uri);
    assertEquals(6, rs.size());

    SourceRow first = row(rs.get(0)).row();
    assertEquals("alpaca", first.source());
    assertEquals(uri + ":line 1", first.location());
    assertEquals("{\"instruction\":\"Say hi\",\"n\":3,\"x\":1.5,\"ok\":true,\"tags\":[\"a\",{\"b\":null}]}", first.raw());
    assertEquals("Say hi", first.fields().get("instruction"));
    assertEquals(3, first.fields().get("n"));
    assertEquals(1.5, first.fields().get("x"));
    assertEquals(Boolean.TRUE, first.fields().get("ok"));
    java.util.Map<String, Object> withNull = new java.util.HashMap<>();
    withNull.put("b", null);
    assertEquals(List.of("a", withNull), first.fields().get("tags"));

    Rejection unterminated = bad(rs.get(1)).rejection();
    assertEquals(new Rejection("alpaca", uri + ":line 4", RejectReason.MALFORMED_JSON, unterminated.detail(),
        "{\"instruction\": \"unterminated"), unterminated);
    assertTrue(unterminated.detail().startsWith("line is not valid JSON: "), unterminated.detail());

    Rejection array = bad(rs.get(2)).rejection();
    assertEquals(uri + ":line 5", array.location());
    assertEquals(RejectReason.MALFORMED_JSON, array.reason());
    assertEquals("line is a JSON array, not a JSON object", array.detail());
    assertEquals("[1,2]", array.raw());

    Rejection trailing = bad(rs.get(3)).rejection();
    assertEquals(uri + ":line 6", trailing.location());
    assertEquals(RejectReason.MALFORMED_JSON, trailing.reason());

    Rejection undecodable = bad(rs.get(4)).rejection();
    assertEquals(uri + ":line 7", undecodable.location());
    assertEquals(RejectReason.UNDECODABLE_TEXT, undecodable.reason());
    assertEquals("line is not valid UTF-8 (bad byte at offset 12 of the line)", undecodable.detail());
    assertTrue(undecodable.raw().startsWith("{\"text\":\"caf\uFFFD"), undecodable.raw());

    SourceRow last = row(rs.get(5)).row();
    assertEquals(uri + ":line 8", last.location());
    assertEquals(Map.of("instruction", "last, no newline"), last.fields());
  }

  @Test
  void csvRowsQuotingAndBadRows() throws Exception {
    byte[] file = concat(
        utf8("instruction,input,output\r\n"),
        utf8("Add,\"1, 2\",3\r\n"),
        utf8("Poem,,\"Roses are red,\nviolets are \"\"blue\"\"\"\n"),
        utf8("\n"),
        utf8("too,few\n"),
        utf8("a,b\"c,d\n"),
        utf8("\"x\"y,b,c\n"),
        concat(utf8("bad,"), new byte[] {(byte) 0xFF}, utf8(",c\n")),
        utf8("last,row,\"\""));
    String uri = write(tmp, "data.csv", file);
    List<ReadResult> rs = readAll(new SourceReader("csv", SourceFormat.AUTO), uri);
    assertEquals(7, rs.size());

    SourceRow add = row(rs.get(0)).row();
    assertEquals(uri + ":line 2", add.location());
    assertEquals(List.of("instruction", "input", "output"), List.copyOf(add.fields().keySet()));
    assertEquals(Map.of("instruction", "Add", "input", "1, 2", "output", "3"), add.fields());
    assertEquals("Add,\"1, 2\",3", add.raw());

    SourceRow poem = row(rs.get(1)).row();
    assertEquals(uri + ":line 3", poem.location());
    assertEquals("Roses are red,\nviolets are \"blue\"", poem.fields().get("output"));
    assertEquals("", poem.fields().get("input"));

    Rejection few = bad(rs.get(2)).rejection();
    assertEquals(new Rejection("csv", uri + ":line 6", RejectReason.MALFORMED_CSV, "row has 2 fields, the header has 3", "too,few"), few);

    Rejection quote = bad(rs.get(3)).rejection();
    assertEquals(uri + ":line 7", quote.location());
    assertEquals(RejectReason.MALFORMED_CSV, quote.reason());
    assertEquals("row is not valid CSV: quote inside an unquoted field at character 4", quote.detail());

    assertEquals("row is not valid CSV: unexpected text after the closing quote at character 4", bad(rs.get(4)).rejection().detail());

    Rejection undecodable = bad(rs.get(5)).rejection();
    assertEquals(uri + ":line 9", undecodable.location());
    assertEquals(RejectReason.UNDECODABLE_TEXT, undecodable.reason());

    assertEquals(Map.of("instruction", "last", "input", "row", "output", ""), row(rs.get(6)).row().fields());
  }

  @Test
  void csvUnterminatedQuoteAndBadHeader() throws Exception {
    String uri = write(tmp, "u.csv", "a,b\n1,\"never closed\n2,3\n");
    List<ReadResult> rs = readAll(new SourceReader("csv", SourceFormat.CSV), uri);
    assertEquals(1, rs.size());
    Rejection r = bad(rs.get(0)).rejection();
    assertEquals(uri + ":line 2", r.location());
    assertEquals(RejectReason.MALFORMED_CSV, r.reason());
    assertEquals("1,\"never closed\n2,3", r.raw());

    String dup = write(tmp, "dup.csv", "a,b,a\n1,2,3\n");
    NomoatException e = assertThrows(NomoatException.class, () -> readAll(new SourceReader("csv", SourceFormat.CSV), dup));
    assertEquals("the header row of " + dup + " names column 'a' twice", e.getMessage());
    assertTrue(readAll(new SourceReader("csv", SourceFormat.CSV), write(tmp, "empty.csv", "")).isEmpty());

    // A split that does not start at 0 still finds a header that follows blank lines.
    String late = write(tmp, "late.csv", "\n\na,b\n1,2\n3,4\n");
    List<ReadResult> tail = readRange(new SourceReader("csv", SourceFormat.CSV), late, 9, 100);
    assertEquals(1, tail.size());
    assertEquals(Map.of("a", "3", "b", "4"), row(tail.get(0)).row().fields());
    assertEquals(late + "@10", row(tail.get(0)).row().location());
  }

  @Test
  void jsonArrayStreamsElementsWithExactRawText() throws Exception {
    String uri = write(tmp, "data.json", "[\n  {\"instruction\": \"a\",  \"n\": 1.0},\n  42,\n  {\"instruction\": \"b\"}\n]\n");
    List<ReadResult> rs = readAll(new SourceReader("j", SourceFormat.AUTO), uri);
    assertEquals(3, rs.size());
    SourceRow a = row(rs.get(0)).row();
    assertEquals(uri + "#0", a.location());
    assertEquals("{\"instruction\": \"a\",  \"n\": 1.0}", a.raw());
    assertEquals(1.0, a.fields().get("n"));
    Rejection number = bad(rs.get(1)).rejection();
    assertEquals(new Rejection("j", uri + "#1", RejectReason.MALFORMED_JSON, "element 1 is a JSON number, not a JSON object", "42"), number);
    assertEquals(uri + "#2", row(rs.get(2)).row().location());
    assertEquals("{\"instruction\": \"b\"}", row(rs.get(2)).row().raw());
  }

  @Test
  void jsonArrayBrokenMidwayKeepsRowsBeforeAndRejectsTheRestOnce() throws Exception {
    String uri = write(tmp, "broken.json", "[{\"a\":\"x\"},{\"a\":\"y\"}, {\"a\": oops}, {\"a\":\"z\"}]");
    List<ReadResult> rs = readAll(new SourceReader("j", SourceFormat.JSON), uri);
    assertEquals(3, rs.size());
    assertEquals("x", row(rs.get(0)).row().fields().get("a"));
    assertEquals("y", row(rs.get(1)).row().fields().get("a"));
    Rejection rest = bad(rs.get(2)).rejection();
    assertEquals(uri + "#2", rest.location());
    assertEquals(RejectReason.MALFORMED_JSON, rest.reason());
    assertTrue(rest.detail().startsWith("JSON array breaks at element 2: "), rest.detail());
    assertTrue(rest.raw().startsWith("{\"a\": oops}"), rest.raw());

    String truncated = write(tmp, "truncated.json", "[{\"a\":\"x\"}, {\"a\":");
    List<ReadResult> t = readAll(new SourceReader("j", SourceFormat.JSON), truncated);
    assertEquals(2, t.size());
    assertEquals(truncated + "#1", bad(t.get(1)).rejection().location());

    String garbage = write(tmp, "garbage.json", "[{\"a\":\"x\"}] {\"b\":1}");
    List<ReadResult> g = readAll(new SourceReader("j", SourceFormat.JSON), garbage);
    assertEquals(2, g.size());
    assertEquals("unexpected content after the closing ] of the array", bad(g.get(1)).rejection().detail());

    byte[] badUtf8 = concat(utf8("\uFEFF[{\"a\":\"x\"}, {\"a\":\"caf"), new byte[] {(byte) 0xFF}, utf8("\"}, {\"a\":\"z\"}]"));
    String undecodable = write(tmp, "utf8.json", badUtf8);
    List<ReadResult> u = readAll(new SourceReader("j", SourceFormat.AUTO), undecodable);
    assertEquals(2, u.size());
    assertEquals("x", row(u.get(0)).row().fields().get("a"));
    assertEquals(undecodable + "#1", bad(u.get(1)).rejection().location());
    assertEquals(RejectReason.MALFORMED_JSON, bad(u.get(1)).rejection().reason());

    String object = write(tmp, "object.json", "{\"a\":1}");
    NomoatException e = assertThrows(NomoatException.class, () -> readAll(new SourceReader("j", SourceFormat.JSON), object));
    assertTrue(e.getMessage().startsWith(object + " is not a JSON array"), e.getMessage());
  }

  @Test
  void jsonArrayOfManyElementsStreams() throws Exception {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < 20000; i++) sb.append(i == 0 ? "" : ",").append("{\"i\":").append(i).append(",\"pad\":\"").append("x".repeat(i % 50)).append("\"}");
    String uri = write(tmp, "many.json", sb.append("]").toString());
    int i = 0;
    try (ReadResults it = new SourceReader("j", SourceFormat.JSON).read(new org.apache.hadoop.conf.Configuration(), new InputFile(uri, 0))) {
      while (it.hasNext()) {
        SourceRow r = row(it.next()).row();
        assertEquals(i, r.fields().get("i"));
        assertEquals("{\"i\":" + i + ",\"pad\":\"" + "x".repeat(i % 50) + "\"}", r.raw());
        i++;
      }
    }
    assertEquals(20000, i);
  }

  @Test
  void shareGptFixturesReadWhole() {
    for (var c : List.of(List.of("oasst_en100_best_path_sharegpt.json", 95), List.of("oasst_en100_all_paths_sharegpt.json", 547))) {
      String uri = new org.apache.hadoop.fs.Path(nomoat.pipeline.testing.Fixtures.dataset((String) c.get(0)).toUri()).toString();
      List<ReadResult> rs = readAll(new SourceReader("oasst", SourceFormat.AUTO), uri);
      assertEquals(c.get(1), rs.size());
      for (int i = 0; i < rs.size(); i++) {
        SourceRow r = row(rs.get(i)).row();
        assertEquals(uri + "#" + i, r.location());
        List<?> turns = (List<?>) r.fields().get("conversations");
        assertTrue(turns.size() >= 2 && turns.get(0) instanceof Map<?, ?> m && "human".equals(m.get("from")), r.raw());
        assertTrue(r.raw().startsWith("{") && r.raw().endsWith("}"));
      }
    }
  }

  @Test
  void overlongRecordsAreRejectedAndReadingGoesOn() throws Exception {
    String big = "{\"t\":\"" + "x".repeat(200) + "\"}";
    String jsonl = write(tmp, "long.jsonl", big + "\r\n{\"t\":\"short\"}\n");
    List<ReadResult> rs = readAll(new SourceReader("s", SourceFormat.JSONL, 50), jsonl);
    assertEquals(2, rs.size());
    Rejection r = bad(rs.get(0)).rejection();
    assertEquals(new Rejection("s", jsonl + ":line 1", RejectReason.MALFORMED_JSON,
        "line is " + big.length() + " bytes, more than the 50-byte limit for one record", big.substring(0, 50)), r);
    assertEquals(jsonl + ":line 2", row(rs.get(1)).row().location());

    String csv = write(tmp, "long.csv", "a,b\n1,\"" + "y\n".repeat(40) + "\"\n2,ok\n");
    List<ReadResult> c = readAll(new SourceReader("s", SourceFormat.CSV, 30), csv);
    assertEquals(2, c.size());
    assertEquals(RejectReason.MALFORMED_CSV, bad(c.get(0)).rejection().reason());
    assertEquals("row is more than the 30-byte limit for one record", bad(c.get(0)).rejection().detail());
    assertEquals(Map.of("a", "2", "b", "ok"), row(c.get(1)).row().fields());
    assertEquals(csv + ":line 43", row(c.get(1)).row().location());
  }
}
