package nomoat.pipeline.source;

import java.io.Serializable;
import org.apache.hadoop.conf.Configuration;

/**
 * Reads one input file (or a byte range of a JSONL/CSV file) of one configured source into
 * {@link ReadResult}s, streaming: memory holds one record, never the file. Cheap to construct and
 * Serializable, so a Spark job can ship it to executors.
 *
 * <p>Locations: {@code <uri>:line N} (1-based physical line where the record starts) for JSONL/CSV read from
 * byte 0, {@code <uri>@<byteOffset>} for a range starting elsewhere (line numbers are unknown there),
 * {@code <uri>#<index>} (0-based) for JSON array elements and Parquet rows.
 *
 * <p>Row-level problems become {@link ReadResult.Bad}: MALFORMED_JSON (unparseable line, non-object, broken
 * array tail), UNDECODABLE_TEXT (invalid UTF-8 in a JSONL line or CSV record), MALFORMED_CSV (bad quoting,
 * wrong field count); a JSONL line or CSV record over {@code maxRecordBytes} is rejected the same way. File-level problems (unreadable, not Parquet, JSON file not an array, bad CSV header)
 * throw {@link nomoat.pipeline.NomoatException} naming the file.
 */
public final class SourceReader implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Default cap on one JSONL line or CSV record; longer ones are rejected (a newline-free file cannot exhaust memory). */
  public static final int DEFAULT_MAX_RECORD_BYTES = 64 << 20;
  /** How much of an over-long record a rejection keeps as raw text. */
  static final int MAX_RAW_BYTES = 64 << 10;
  private final String sourceName;
  private final SourceFormat format;
  private final int maxRecordBytes;

  public SourceReader(String sourceName, SourceFormat format) {
    this(sourceName, format, DEFAULT_MAX_RECORD_BYTES);
  }

  public SourceReader(String sourceName, SourceFormat format, int maxRecordBytes) {
    if (maxRecordBytes < 1) throw new IllegalArgumentException("maxRecordBytes must be positive");
    this.sourceName = sourceName;
    this.format = format;
    this.maxRecordBytes = maxRecordBytes;
  }

  public String sourceName() { return sourceName; }

  public SourceFormat format() { return format; }

  /** Reads the whole file. */
  public ReadResults read(Configuration conf, InputFile file) {
    return read(conf, file.uri(), 0, Long.MAX_VALUE);
  }

  /** Reads the records a byte range [start, end) owns; see {@link SourceFormat#splittable()}. */
  public ReadResults read(Configuration conf, String uri, long start, long end) {
    if (start < 0 || end < start) throw new IllegalArgumentException("bad range [" + start + ", " + end + ") of " + uri);
    SourceFormat concrete = format.resolve(conf, uri);
    return switch (concrete) {
      case JSONL -> new JsonlFileReader(conf, sourceName, uri, start, end, maxRecordBytes);
      case CSV -> new CsvFileReader(conf, sourceName, uri, start, end, maxRecordBytes);
      case JSON -> new JsonArrayFileReader(conf, sourceName, wholeFile(uri, start, concrete));
      case PARQUET -> new ParquetRowsReader(conf, sourceName, wholeFile(uri, start, concrete));
      case AUTO -> throw new IllegalStateException("resolve never returns AUTO");
    };
  }

  private static String wholeFile(String uri, long start, SourceFormat f) {
    if (start != 0) throw new IllegalArgumentException(f.code() + " file " + uri + " can only be read whole, not from byte " + start);
    return uri;
  }
}
