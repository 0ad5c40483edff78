package nomoat.pipeline.shard;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RejectedWriterTest {
  @TempDir Path tmp;

  @Test
  void rejectedRoundTrip() throws Exception {
    String uri = new org.apache.hadoop.fs.Path(tmp.resolve("rejected/part-00000.jsonl").toUri()).toString();
    List<nomoat.pipeline.data.Rejection> rs = List.of(
        new nomoat.pipeline.data.Rejection("alpaca", "a.jsonl:line 3", nomoat.pipeline.data.RejectReason.MALFORMED_JSON,
            "line is not valid JSON", "{\"a\": \n oops \u00e9"),
        new nomoat.pipeline.data.Rejection("csv", "b.csv:line 9", nomoat.pipeline.data.RejectReason.MALFORMED_CSV, "row has 2 fields", null));
    try (RejectedWriter w = RejectedWriter.open(new Configuration(), uri)) {
      rs.forEach(w::write);
      assertEquals(2, w.count());
    }
    List<String> lines = Files.readAllLines(tmp.resolve("rejected/part-00000.jsonl"));
    assertEquals(2, lines.size());
    assertEquals("{\"source\":\"alpaca\",\"location\":\"a.jsonl:line 3\",\"reason\":\"malformed_json\","
        + "\"detail\":\"line is not valid JSON\",\"row\":\"{\\\"a\\\": \\n oops \u00e9\"}", lines.get(0));
    assertEquals(rs, RejectedWriter.readAll(new Configuration(), uri));
  }
}
