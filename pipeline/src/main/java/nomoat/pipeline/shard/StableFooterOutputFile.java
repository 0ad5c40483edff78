package nomoat.pipeline.shard;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * An {@link OutputFile} whose Parquet footer lists each column chunk's encodings in ascending order, so the same
 * rows give the same bytes in every JVM. Why: parquet-mr collects a chunk's encodings in a {@code HashSet<Encoding>}
 * and writes them in its iteration order, which follows the enum constants' identity hash codes and so changes
 * from one JVM to the next (two runs of prepare differed in 14–16 footer bytes). Readers treat the list as a set.
 *
 * <p>The stream holds back the last {@link #DEFAULT_TAIL_BYTES} bytes written; on close it parses the footer out
 * of that tail, sorts the encodings, and writes the footer again (with its length and magic). A footer larger than
 * the tail (thousands of row groups) is written unchanged.
 */
final class StableFooterOutputFile implements OutputFile {
  static final int DEFAULT_TAIL_BYTES = 4 << 20;
  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

  private final OutputFile target;
  private final int tailBytes;

  StableFooterOutputFile(OutputFile target) {
    this(target, DEFAULT_TAIL_BYTES);
  }

  StableFooterOutputFile(OutputFile target, int tailBytes) {
    this.target = target;
    this.tailBytes = tailBytes;
  }

  @Override
  public PositionOutputStream create(long blockSizeHint) throws IOException {
    return new TailHoldingStream(target.create(blockSizeHint), tailBytes);
  }

  @Override
  public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
    return new TailHoldingStream(target.createOrOverwrite(blockSizeHint), tailBytes);
  }

  @Override
  public boolean supportsBlockSize() { return target.supportsBlockSize(); }

  @Override
  public long defaultBlockSize() { return target.defaultBlockSize(); }

  @Override
  public String getPath() { return target.getPath(); }

  /**
   * The complete file tail {@code bytes} (ending in footer, footer length, magic) with the footer's encoding lists
   * sorted; {@code bytes} itself when it does not hold a whole plain (unencrypted) footer.
   */
  static byte[] withSortedEncodings(byte[] bytes) throws IOException {
    int n = bytes.length;
    if (n < 8 || !Arrays.equals(bytes, n - 4, n, MAGIC, 0, 4)) return bytes;
    int footerLength = ByteBuffer.wrap(bytes, n - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    if (footerLength <= 0 || footerLength > n - 8) return bytes;
    int footerStart = n - 8 - footerLength;
    FileMetaData footer;
    try {
      footer = Util.readFileMetaData(new ByteArrayInputStream(bytes, footerStart, footerLength));
    } catch (IOException | RuntimeException e) {
      return bytes;                                     // not a footer (e.g. an aborted write): leave it as written
    }
    boolean changed = false;
    for (RowGroup group : footer.getRow_groups()) {
      for (ColumnChunk chunk : group.getColumns()) {
        if (chunk.getMeta_data() == null || chunk.getMeta_data().getEncodings() == null) continue;
        var encodings = chunk.getMeta_data().getEncodings();
        var sorted = encodings.stream().sorted(Comparator.comparingInt(Encoding::getValue)).toList();
        if (!sorted.equals(encodings)) {
          chunk.getMeta_data().setEncodings(new java.util.ArrayList<>(sorted));
          changed = true;
        }
      }
    }
    if (!changed) return bytes;
    ByteArrayOutputStream out = new ByteArrayOutputStream(n + 64);
    out.write(bytes, 0, footerStart);
    Util.writeFileMetaData(footer, out);
    int newLength = out.size() - footerStart;
    out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(newLength).array());
    out.write(MAGIC);
    return out.toByteArray();
  }

  /** Passes bytes through to {@code out} but keeps the last {@code tailBytes} until close. */
  private static final class TailHoldingStream extends PositionOutputStream {
    private final PositionOutputStream out;
    private final int tailBytes;
    private byte[] tail = new byte[8192];
    private int held;
    private long position;
    private boolean closed;

    TailHoldingStream(PositionOutputStream out, int tailBytes) {
      this.out = out;
      this.tailBytes = tailBytes;
    }

    @Override
    public long getPos() { return position; }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len == 0) return;
      int overflow = held + len - 2 * tailBytes;     // release in large steps, keeping at least tailBytes held
      if (overflow > 0) {
        int release = Math.min(held, held + len - tailBytes);
        out.write(tail, 0, release);
        System.arraycopy(tail, release, tail, 0, held - release);
        held -= release;
        if (len > tailBytes) {                          // a write longer than the tail: its head goes straight out
          int direct = len - tailBytes;
          out.write(b, off, direct);
          off += direct;
          len -= direct;
          position += direct;
        }
      }
      if (held + len > tail.length) tail = Arrays.copyOf(tail, Math.max(held + len, Math.min(2 * tailBytes, 2 * tail.length)));
      System.arraycopy(b, off, tail, held, len);
      held += len;
      position += len;
    }

    /** Bytes still held may be part of the footer, so flush only passes on what was already released. */
    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      if (closed) return;
      closed = true;
      try (PositionOutputStream o = out) {
        byte[] rest = withSortedEncodings(Arrays.copyOf(tail, held));
        o.write(rest);
        tail = null;
      }
    }
  }
}
