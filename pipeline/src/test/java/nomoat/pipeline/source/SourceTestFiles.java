package nomoat.pipeline.source;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/** Helpers shared by the source reader tests. */
final class SourceTestFiles {
  private SourceTestFiles() {}

  static String write(Path dir, String name, byte[] bytes) throws Exception {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.write(p, bytes);
    return new org.apache.hadoop.fs.Path(p.toUri()).toString(); // Hadoop's spelling: file:/tmp/...
  }

  static String write(Path dir, String name, String text) throws Exception {
    return write(dir, name, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  static List<ReadResult> readAll(SourceReader reader, String uri) {
    return readRange(reader, uri, 0, Long.MAX_VALUE);
  }

  /** One shared conf: a fresh Configuration re-parses Hadoop's default XML on first use (milliseconds each). */
  static final Configuration CONF = new Configuration();

  static List<ReadResult> readRange(SourceReader reader, String uri, long start, long end) {
    List<ReadResult> out = new ArrayList<>();
    try (ReadResults it = reader.read(CONF, uri, start, end)) {
      it.forEachRemaining(out::add);
    }
    return out;
  }

  static ReadResult.Row row(ReadResult r) {
    if (r instanceof ReadResult.Row row) return row;
    throw new AssertionError("expected a row, got " + r);
  }

  static ReadResult.Bad bad(ReadResult r) {
    if (r instanceof ReadResult.Bad bad) return bad;
    throw new AssertionError("expected a rejection, got " + r);
  }
}
