package nomoat.pipeline.shard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.RejectReason;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.io.Storage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The one reader/writer of {@code rejected/*.jsonl}: one JSON object per quarantined row,
 * {@code {"source", "location", "reason" (lower-case code), "detail", "row" (the original text)}}.
 */
public final class RejectedWriter implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String uri;
  private final OutputStream out;
  private long count;
  private boolean closed;

  private RejectedWriter(String uri, OutputStream out) {
    this.uri = uri;
    this.out = out;
  }

  /** Creates (or overwrites) {@code uri}. */
  public static RejectedWriter open(Configuration conf, String uri) {
    return new RejectedWriter(uri, new BufferedOutputStream(Storage.create(conf, uri), 256 * 1024));
  }

  public void write(Rejection r) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("source", r.source());
    line.put("location", r.location());
    line.put("reason", r.reason().code());
    line.put("detail", r.detail());
    line.put("row", r.raw());
    try {
      out.write(JSON.writeValueAsBytes(line));
      out.write('\n');
    } catch (IOException e) {
      throw NomoatException.io("cannot write " + uri + ": " + e.getMessage(), e);
    }
    count++;
  }

  public long count() { return count; }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    try {
      out.close();
    } catch (IOException e) {
      throw NomoatException.io("cannot finish " + uri + ": " + e.getMessage(), e);
    }
  }

  /** Reads a rejected file back (reports, notebooks, tests). */
  public static List<Rejection> readAll(Configuration conf, String uri) {
    List<Rejection> out = new ArrayList<>();
    Path p = new Path(uri);
    try (BufferedReader in = new BufferedReader(new InputStreamReader(Storage.fileSystem(conf, p).open(p), StandardCharsets.UTF_8))) {
      long lineNo = 0;
      for (String line; (line = in.readLine()) != null; ) {
        lineNo++;
        if (line.isBlank()) continue;
        try {
          JsonNode n = JSON.readTree(line);
          out.add(new Rejection(n.path("source").asText(null), n.path("location").asText(null),
              RejectReason.valueOf(n.path("reason").asText().toUpperCase(Locale.ROOT)), n.path("detail").asText(null),
              n.path("row").isNull() ? null : n.path("row").asText(null)));
        } catch (IOException | IllegalArgumentException e) {
          throw NomoatException.inputData(uri + ":line " + lineNo + " is not a rejection record: " + e.getMessage(), e);
        }
      }
    } catch (IOException e) {
      throw NomoatException.io("cannot read " + uri + ": " + e.getMessage(), e);
    }
    return out;
  }
}
