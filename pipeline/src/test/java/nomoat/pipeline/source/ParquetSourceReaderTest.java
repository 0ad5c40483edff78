package nomoat.pipeline.source;

import static nomoat.pipeline.source.SourceTestFiles.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.SourceRow;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetSourceReaderTest {
  @TempDir Path tmp;

  /** A ShareGPT-like schema with the shapes Spark and pandas write: 3-level lists of structs, maps, nulls. */
  private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
      message row {
        required binary id (STRING);
        optional int32 turns;
        optional double score;
        optional boolean ok;
        optional int64 big;
        optional group conversations (LIST) {
          repeated group list {
            optional group element { optional binary from (STRING); optional binary value (STRING); }
          }
        }
        optional group tags (LIST) { repeated group list { optional binary element (STRING); } }
        optional group meta (MAP) { repeated group key_value { required binary key (STRING); optional int32 value; } }
        repeated int32 legacy;
      }""");

  @Test
  void anySchemaBecomesPlainValues() throws Exception {
    String uri = new org.apache.hadoop.fs.Path(tmp.resolve("part-0.parquet").toUri()).toString();
    SimpleGroupFactory f = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(uri)).withType(SCHEMA)
        .withConf(new Configuration()).build()) {
      Group g = f.newGroup().append("id", "r0").append("turns", 2).append("score", 0.5).append("ok", true).append("big", 1L << 40);
      Group convs = g.addGroup("conversations");
      convs.addGroup("list").addGroup("element").append("from", "human").append("value", "hi");
      convs.addGroup("list").addGroup("element").append("from", "gpt").append("value", "hello");
      Group tags = g.addGroup("tags");
      tags.addGroup("list").append("element", "a");
      tags.addGroup("list"); // a null element
      g.addGroup("meta").addGroup("key_value").append("key", "k").append("value", 7);
      g.append("legacy", 1).append("legacy", 2);
      w.write(g);
      w.write(f.newGroup().append("id", "r1"));
    }
    List<ReadResult> rs = readAll(new SourceReader("pq", SourceFormat.AUTO), uri);
    assertEquals(2, rs.size());
    SourceRow r0 = row(rs.get(0)).row();
    assertEquals(uri + "#0", r0.location());
    assertEquals("r0", r0.fields().get("id"));
    assertEquals(2, r0.fields().get("turns"));
    assertEquals(0.5, r0.fields().get("score"));
    assertEquals(true, r0.fields().get("ok"));
    assertEquals(1L << 40, r0.fields().get("big"));
    assertEquals(List.of(Map.of("from", "human", "value", "hi"), Map.of("from", "gpt", "value", "hello")), r0.fields().get("conversations"));
    assertEquals(java.util.Arrays.asList("a", null), r0.fields().get("tags"));
    assertEquals(Map.of("k", 7), r0.fields().get("meta"));
    assertEquals(List.of(1, 2), r0.fields().get("legacy"));
    assertTrue(r0.raw().startsWith("{\"id\":\"r0\",\"turns\":2,\"score\":0.5,\"ok\":true,\"big\":1099511627776,\"conversations\":[{\"from\":\"human\""), r0.raw());

    SourceRow r1 = row(rs.get(1)).row();
    assertEquals(uri + "#1", r1.location());
    Map<String, Object> expected = new HashMap<>();
    for (String k : List.of("turns", "score", "ok", "big", "conversations", "tags", "meta")) expected.put(k, null);
    expected.put("id", "r1");
    expected.put("legacy", List.of());
    assertEquals(expected, r1.fields());
  }

  @Test
  void notParquetIsOneClearError() throws Exception {
    Path p = tmp.resolve("fake.parquet");
    Files.writeString(p, "this is not parquet at all");
    String uri = new org.apache.hadoop.fs.Path(p.toUri()).toString();
    NomoatException e = assertThrows(NomoatException.class, () -> readAll(new SourceReader("pq", SourceFormat.PARQUET), uri));
    assertEquals(NomoatException.ExitCode.INPUT_DATA, e.exitCode());
    assertTrue(e.getMessage().contains(uri), e.getMessage());
  }
}
