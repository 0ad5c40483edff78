package nomoat.pipeline.source;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import nomoat.pipeline.NomoatException;
import org.apache.hadoop.conf.Configuration;

/** How an input file is laid out (config {@code prepare.sources[].format}). */
public enum SourceFormat {
  /** One JSON array of objects, streamed element by element. */
  JSON,
  /** One JSON object per line. */
  JSONL,
  /** RFC 4180 CSV, UTF-8, comma-separated, first row is the header; quoted fields may span lines. */
  CSV,
  /** Parquet of any schema; nested lists and structs become Lists and Maps. */
  PARQUET,
  /**
   * Chosen per file by extension (after any compression suffix such as {@code .gz}); a {@code .json} file whose first non-blank byte is not {@code [} is JSONL. */
  AUTO;

  public String code() { return name().toLowerCase(Locale.ROOT); }

  /** Every code (what config errors list): json, jsonl, csv, parquet, auto. */
  public static java.util.List<String> codes() { return Arrays.stream(values()).map(SourceFormat::code).toList(); }

  /** Parses a config value (case-insensitive). */
  public static SourceFormat parse(String value) {
    for (SourceFormat f : values()) if (f.code().equalsIgnoreCase(value.trim())) return f;
    throw NomoatException.config("unknown source format '" + value + "'; use one of "
        + Arrays.stream(values()).map(SourceFormat::code).toList());
  }

  /**
   * Whether a file can be read in byte ranges. Only JSONL: a CSV quoted field may contain newlines, so a
   * range starting mid-file cannot tell a record start from a line inside a field (Spark's multiLine CSV is
   * unsplittable for the same reason). {@link SourceReader} still reads CSV ranges for files known to have
   * single-line records.
   */
  public boolean splittable() { return this == JSONL; }

  /** Whether this file can be read in byte ranges: a splittable format and not compressed. */
  public boolean splittable(Configuration conf, String uri) {
    return resolve(conf, uri).splittable() && InputStreams.codec(conf, uri) == null;
  }

  /** The concrete format of {@code uri}: itself unless AUTO, which looks at the extension (and first byte). */
  public SourceFormat resolve(Configuration conf, String uri) {
    if (this != AUTO) return this;
    String name = InputStreams.uncompressedName(conf, uri).toLowerCase(Locale.ROOT);
    if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return JSONL;
    if (name.endsWith(".csv")) return CSV;
    if (name.endsWith(".parquet") || name.endsWith(".pq")) return PARQUET;
    if (name.endsWith(".json")) return firstNonBlankByte(conf, uri) == '[' ? JSON : JSONL;
    throw NomoatException.inputData("cannot tell the format of " + uri
        + " from its extension (.json, .jsonl, .ndjson, .csv, .parquet); set the source's format explicitly");
  }

  private static int firstNonBlankByte(Configuration conf, String uri) {
    try (InputStream in = InputStreams.open(conf, uri, 0)) {
      int b = in.read();
      if (b == 0xEF) { in.read(); in.read(); b = in.read(); } // UTF-8 byte order mark
      while (b == ' ' || b == '\t' || b == '\r' || b == '\n') b = in.read();
      return b;
    } catch (IOException e) {
      throw NomoatException.io("cannot read " + uri + ": " + e.getMessage(), e);
    }
  }
}
