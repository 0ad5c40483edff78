package nomoat.pipeline.source;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.io.Storage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * Opens input files, decompressing by file name suffix with Hadoop's codecs ({@code .gz}, {@code .bz2},
 * {@code .deflate}, ... whatever the configuration registers), so {@code data.jsonl.gz} reads like
 * {@code data.jsonl}. A compressed file can only be read whole. A compressed file that is truncated or corrupt is a
 * data error naming the file ({@link NomoatException.ExitCode#INPUT_DATA}); a failure to read the file's bytes
 * stays an I/O error.
 */
final class InputStreams {
  private InputStreams() {}

  static CompressionCodec codec(Configuration conf, String uri) {
    return new CompressionCodecFactory(conf).getCodec(new Path(uri));
  }

  /** The file name without a compression suffix, used to tell the format. */
  static String uncompressedName(Configuration conf, String uri) {
    String name = new Path(uri).getName();
    CompressionCodec c = codec(conf, uri);
    return c == null ? name : CompressionCodecFactory.removeSuffix(name, c.getDefaultExtension());
  }

  /** Opens {@code uri} positioned at {@code start} (which must be 0 for a compressed file). */
  static InputStream open(Configuration conf, String uri, long start) throws IOException {
    Path p = new Path(uri);
    FileSystem fs = Storage.fileSystem(conf, p);
    FSDataInputStream raw = fs.open(p);
    CompressionCodec c = codec(conf, uri);
    if (c != null && start == 0 && fs.getFileStatus(p).getLen() == 0) return raw; // an empty file holds no rows, compressed or not
    if (c == null) {
      if (start != 0) raw.seek(start);
      return raw;
    }
    if (start != 0) {
      raw.close();
      throw new IllegalArgumentException("compressed file " + uri + " can only be read whole, not from byte " + start);
    }
    RawBytes bytes = new RawBytes(raw);
    try {
      return new Decompressed(c.createInputStream(bytes), bytes, uri, c.getDefaultExtension());
    } catch (IOException e) {
      raw.close();
      if (bytes.failure != null) throw e;
      throw Decompressed.corrupt(uri, c.getDefaultExtension(), e);
    } catch (RuntimeException | LinkageError e) { // e.g. a codec whose native library is missing here
      raw.close();
      throw NomoatException.inputData("cannot decompress " + uri + " with " + c.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  /** The compressed bytes as read from storage, remembering whether reading them failed. */
  private static final class RawBytes extends FilterInputStream {
    IOException failure;

    RawBytes(InputStream in) { super(in); }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }

    @Override
    public long skip(long n) throws IOException {
      try {
        return in.skip(n);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }
  }

  /**
   * Decompressed bytes. An IOException the decompressor raises while the storage read fine (an early end of the
   * compressed stream, a bad header or block) means the file's content is broken: it becomes INPUT_DATA.
   */
  private static final class Decompressed extends FilterInputStream {
    private final RawBytes raw;
    private final String uri;
    private final String extension;

    Decompressed(InputStream in, RawBytes raw, String uri, String extension) {
      super(in);
      this.raw = raw;
      this.uri = uri;
      this.extension = extension;
    }

    static NomoatException corrupt(String uri, String extension, IOException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return NomoatException.inputData(uri + " is not a complete " + extension + " file (truncated or corrupt: " + why + ")", e);
    }

    private IOException checked(IOException e) {
      if (raw.failure != null) return e;
      throw corrupt(uri, extension, e);
    }

    @Override
    public int read() throws IOException {
      try {
        return in.read();
      } catch (IOException e) {
        throw checked(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (IOException e) {
        throw checked(e);
      }
    }

    @Override
    public long skip(long n) throws IOException {
      try {
        return in.skip(n);
      } catch (IOException e) {
        throw checked(e);
      }
    }
  }
}
