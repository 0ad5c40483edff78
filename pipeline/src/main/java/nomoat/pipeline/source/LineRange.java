package nomoat.pipeline.source;

import java.io.IOException;
import nomoat.pipeline.NomoatException;
import org.apache.hadoop.conf.Configuration;
import java.io.InputStream;

/**
 * The lines a byte range [start, end) of a file owns, with Hadoop LineRecordReader's rule: a line belongs to
 * the range in which its first byte lies, counting a line that starts exactly at {@code end} as this range's
 * (so the next range, whose start is that byte, skips it). Every range but the first therefore skips through
 * the first newline at or after its start. Adjacent ranges thus read each line of the file exactly once.
 */
final class LineRange implements AutoCloseable {
  private static final long LINE_NUMBERS_UNKNOWN = -1;
  private final String uri;
  private final long end;
  private final InputStream in;
  private final LineScanner scanner;
  private long lineNumber; // 1-based number of the last line read, when the range starts at 0
  private long recordStart;
  private long recordLineNumber;

  LineRange(Configuration conf, String uri, long start, long end, int maxLineBytes) {
    this.uri = uri;
    this.end = end;
    try {
      in = InputStreams.open(conf, uri, start);
      scanner = new LineScanner(in, start, maxLineBytes);
      lineNumber = start == 0 ? 0 : LINE_NUMBERS_UNKNOWN;
      if (start != 0) scanner.next(); // the line crossing `start` belongs to the previous range
    } catch (IOException e) {
      throw NomoatException.io("cannot open " + uri + ": " + e.getMessage(), e);
    }
  }

  /** Reads the next line this range owns into {@link #scanner()}; false when none is left. */
  boolean nextOwnedLine() {
    if (scanner.position() > end) return false;
    if (!readLine()) return false;
    recordStart = scanner.lineStart();
    recordLineNumber = lineNumber;
    return true;
  }

  /** Reads the line after the current one whatever the range (a CSV record continuing past {@code end}). */
  boolean nextContinuationLine() {
    return readLine();
  }

  private boolean readLine() {
    try {
      boolean got = scanner.next();
      if (got && lineNumber != LINE_NUMBERS_UNKNOWN) lineNumber++;
      return got;
    } catch (IOException e) {
      throw NomoatException.io("cannot read " + uri + " at byte " + scanner.position() + ": " + e.getMessage(), e);
    }
  }

  LineScanner scanner() { return scanner; }

  /** Where the current record starts, as a {@link nomoat.pipeline.data.SourceRow#location()}. */
  String location() {
    return lineNumber != LINE_NUMBERS_UNKNOWN ? uri + ":line " + recordLineNumber : uri + "@" + recordStart;
  }

  /** Length of a leading UTF-8 byte order mark on the current line (only possible at byte 0). */
  int bomLength() {
    byte[] b = scanner.lineBytes();
    return recordStart == 0 && scanner.lineLength() >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB
        && (b[2] & 0xff) == 0xBF ? 3 : 0;
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      // Read-only stream: nothing is lost by a failed close.
    }
  }
}
