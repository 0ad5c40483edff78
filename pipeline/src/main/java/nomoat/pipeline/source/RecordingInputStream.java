package nomoat.pipeline.source;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Keeps the bytes read through it from a movable mark on, so a streaming JSON parser can hand back the exact
 * text of one array element. Memory stays at one element plus the parser's read-ahead.
 */
final class RecordingInputStream extends FilterInputStream {
  private byte[] kept = new byte[16 * 1024];
  private int keptLen;
  private long keptStart; // absolute offset of kept[0]
  private long pos;

  RecordingInputStream(InputStream in) {
    super(in);
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) keep(new byte[] {(byte) b}, 0, 1);
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n > 0) keep(b, off, n);
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] tmp = new byte[(int) Math.min(n, 8192)];
    int r = read(tmp, 0, tmp.length);
    return Math.max(r, 0);
  }

  @Override
  public boolean markSupported() { return false; }

  /** Forgets the bytes before absolute offset {@code offset}. */
  void discardBefore(long offset) {
    int drop = (int) Math.min(Math.max(offset - keptStart, 0), keptLen);
    System.arraycopy(kept, drop, kept, 0, keptLen - drop);
    keptLen -= drop;
    keptStart += drop;
  }

  /** The UTF-8 text between absolute offsets [from, to), clipped to what is kept, at most {@code maxBytes}. */
  String text(long from, long to, int maxBytes) {
    int a = (int) Math.max(0, from - keptStart);
    int b = (int) Math.min(keptLen, Math.max(a, to - keptStart));
    b = Math.min(b, a + maxBytes);
    return new String(kept, a, b - a, StandardCharsets.UTF_8);
  }

  long position() { return pos; }

  private void keep(byte[] b, int off, int n) {
    if (keptLen + n > kept.length) kept = Arrays.copyOf(kept, Math.max(kept.length * 2, keptLen + n));
    System.arraycopy(b, off, kept, keptLen, n);
    keptLen += n;
    pos += n;
  }
}
