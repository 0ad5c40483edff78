package nomoat.pipeline.source;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads raw byte lines from a stream, tracking the absolute byte offset where each line starts. Lines end at
 * {@code \n}; a trailing {@code \r} is dropped. Bytes are not decoded here so that undecodable text can be
 * reported per line.
 */
final class LineScanner {
  private final InputStream in;
  private final byte[] buf = new byte[64 * 1024];
  private int bufPos;
  private int bufLen;
  private long pos; // absolute offset of buf[bufPos]
  private byte[] line = new byte[1024];
  private int lineLen;
  private long lineStart;

  LineScanner(InputStream in, long startOffset) {
    this.in = in;
    this.pos = startOffset;
  }

  /** Absolute offset of the next unread byte. */
  long position() { return pos; }

  /** Offset where the line last returned by {@link #next()} starts. */
  long lineStart() { return lineStart; }

  byte[] lineBytes() { return line; }

  int lineLength() { return lineLen; }

  byte[] lineCopy() { return Arrays.copyOf(line, lineLen); }

  /** Reads the next line into {@link #lineBytes()}; false at end of stream. */
  boolean next() throws IOException {
    lineStart = pos;
    lineLen = 0;
    boolean any = false;
    while (true) {
      if (bufPos == bufLen) {
        bufLen = in.read(buf, 0, buf.length);
        bufPos = 0;
        if (bufLen <= 0) {
          bufLen = 0;
          return any;
        }
      }
      any = true;
      int i = bufPos;
      while (i < bufLen && buf[i] != '\n') i++;
      append(buf, bufPos, i - bufPos);
      pos += i - bufPos;
      if (i < bufLen) { // found the newline
        bufPos = i + 1;
        pos++;
        if (lineLen > 0 && line[lineLen - 1] == '\r') lineLen--;
        return true;
      }
      bufPos = bufLen;
    }
  }

  private void append(byte[] src, int off, int len) {
    if (lineLen + len > line.length) line = Arrays.copyOf(line, Math.max(line.length * 2, lineLen + len));
    System.arraycopy(src, off, line, lineLen, len);
    lineLen += len;
  }
}
