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
  private final int maxLineBytes;
  private long fullLength;
  private int lastByte;

  LineScanner(InputStream in, long startOffset, int maxLineBytes) {
    this.in = in;
    this.pos = startOffset;
    this.maxLineBytes = maxLineBytes;
  }

  /** Whether the last line was longer than the limit (and {@link #lineBytes()} holds only its start). */
  boolean overlong() { return fullLength > lineLen; }

  /** The last line's real length in bytes. */
  long fullLength() { return fullLength; }

  /** Absolute offset of the next unread byte. */
  long position() { return pos; }

  /** Offset where the line last returned by {@link #next()} starts. */
  long lineStart() { return lineStart; }

  byte[] lineBytes() { return line; }

  int lineLength() { return lineLen; }

  /** Reads the next line into {@link #lineBytes()}; false at end of stream. */
  boolean next() throws IOException {
    lineStart = pos;
    lineLen = 0;
    fullLength = 0;
    lastByte = -1;
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
        if (lastByte == '\r') { // CRLF: the CR is not part of the line
          fullLength--;
          lineLen = (int) Math.min(lineLen, fullLength);
        }
        return true;
      }
      bufPos = bufLen;
    }
  }

  private void append(byte[] src, int off, int len) {
    if (len > 0) lastByte = src[off + len - 1];
    fullLength += len;
    len = Math.min(len, maxLineBytes - lineLen);
    if (len <= 0) return;
    if (lineLen + len > line.length) line = Arrays.copyOf(line, Math.max(line.length * 2, lineLen + len));
    System.arraycopy(src, off, line, lineLen, len);
    lineLen += len;
  }
}
