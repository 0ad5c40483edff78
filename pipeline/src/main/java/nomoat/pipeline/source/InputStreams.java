package nomoat.pipeline.source;

import java.io.IOException;
import java.io.InputStream;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.io.Storage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * Opens input files, decompressing by file name suffix with Hadoop's codecs ({@code .gz}, {@code .bz2},
 * {@code .deflate}, ... whatever the configuration registers), so {@code data.jsonl.gz} reads like
 * {@code data.jsonl}. A compressed file can only be read whole.
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
    FSDataInputStream raw = Storage.fileSystem(conf, p).open(p);
    CompressionCodec c = codec(conf, uri);
    if (c == null) {
      if (start != 0) raw.seek(start);
      return raw;
    }
    if (start != 0) {
      raw.close();
      throw new IllegalArgumentException("compressed file " + uri + " can only be read whole, not from byte " + start);
    }
    try {
      return c.createInputStream(raw);
    } catch (RuntimeException | LinkageError e) { // e.g. a codec whose native library is missing here
      raw.close();
      throw NomoatException.inputData("cannot decompress " + uri + " with " + c.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }
}
