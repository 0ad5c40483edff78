package nomoat.pipeline.io;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.NomoatException.ExitCode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The one file-system helper: calls over the Hadoop FileSystem API, so the same call works for file://, hdfs://
 * and s3a://. Every failure becomes one {@link NomoatException} naming the file.
 *
 * <p>Two views of a local path: {@link #fileSystem} is Hadoop's default, which keeps ".crc" side files; stage
 * outputs use it (and the methods taking a URI string), because Spark and Parquet write those side files too and
 * a rename through it carries them along. {@link #rawFileSystem} (the methods taking a {@link Path}) is for model,
 * adapter and tokenizer files. On HDFS and S3 the two are the same.
 */
public final class Storage {
  private Storage() {}

  public static FileSystem fileSystem(Configuration conf, Path path) {
    try {
      return path.getFileSystem(conf);
    } catch (IOException e) {
      throw NomoatException.io("cannot reach the file system of " + path + ": " + e.getMessage(), e);
    }
  }

  public static boolean exists(Configuration conf, String uri) {
    Path p = new Path(uri);
    try {
      return fileSystem(conf, p).exists(p);
    } catch (IOException e) {
      throw NomoatException.io("cannot check whether " + uri + " exists: " + e.getMessage(), e);
    }
  }

  /** Reads a whole file, refusing files larger than {@code maxBytes} (a config or small metadata file, not data). */
  public static byte[] readAllBytes(Configuration conf, String uri, long maxBytes) {
    Path p = new Path(uri);
    FileSystem fs = fileSystem(conf, p);
    try {
      long len = fs.getFileStatus(p).getLen();
      if (len > maxBytes) {
        throw new NomoatException(ExitCode.INPUT_DATA, uri + " is " + len + " bytes, more than the " + maxBytes + " bytes allowed for it");
      }
      try (InputStream in = fs.open(p)) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(len, 1 << 30));
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) {
          out.write(buf, 0, n);
          // The file may grow between stat and read; the cap still holds.
          if (out.size() > maxBytes) {
            throw new NomoatException(ExitCode.INPUT_DATA, uri + " is more than the " + maxBytes + " bytes allowed for it");
          }
        }
        return out.toByteArray();
      }
    } catch (FileNotFoundException e) {
      throw new NomoatException(ExitCode.INPUT_DATA, uri + " does not exist", e);
    } catch (IOException e) {
      throw NomoatException.io("cannot read " + uri + ": " + e.getMessage(), e);
    }
  }

  /** Creates or overwrites {@code uri} with {@code bytes}; parent directories are created. */
  public static void writeBytes(Configuration conf, String uri, byte[] bytes) {
    Path p = new Path(uri);
    try (FSDataOutputStream out = fileSystem(conf, p).create(p, true)) {
      out.write(bytes);
    } catch (IOException e) {
      throw NomoatException.io("cannot write " + uri + ": " + e.getMessage(), e);
    }
  }

  /** Opens {@code uri} for writing (create-overwrite); the caller closes the stream. */
  public static OutputStream create(Configuration conf, String uri) {
    Path p = new Path(uri);
    try {
      return fileSystem(conf, p).create(p, true);
    } catch (IOException e) {
      throw NomoatException.io("cannot create " + uri + ": " + e.getMessage(), e);
    }
  }

  /** Lower-case hex SHA-256 of the file's bytes, streamed. */
  public static String sha256(Configuration conf, String uri) {
    Path p = new Path(uri);
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    try (InputStream in = fileSystem(conf, p).open(p)) {
      byte[] buf = new byte[256 * 1024];
      for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
    } catch (FileNotFoundException e) {
      throw new NomoatException(ExitCode.INPUT_DATA, uri + " does not exist", e);
    } catch (IOException e) {
      throw NomoatException.io("cannot read " + uri + ": " + e.getMessage(), e);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  // ------------------------------------------------ model, adapter and tokenizer files (raw local file system)

  /**
   * The file system of p for model, adapter and tokenizer files. Local paths use the raw local file system: no
   * ".crc" side files are written next to them, and files edited by other tools (e.g. a hand-fixed
   * adapter_config.json) still read. Every method below that takes a {@link Path} uses it.
   */
  public static FileSystem rawFileSystem(Configuration conf, Path p) {
    try {
      FileSystem fs = p.getFileSystem(conf);
      return fs instanceof LocalFileSystem ? ((LocalFileSystem) fs).getRawFileSystem() : fs;
    } catch (IOException e) {
      throw NomoatException.io("cannot reach the file system of " + p + ": " + e.getMessage(), e);
    }
  }

  /** The local file behind p when its file system is the local one (memory mapping is possible), else null. */
  public static java.io.File localFile(Configuration conf, Path p) {
    FileSystem fs = rawFileSystem(conf, p);
    return fs instanceof org.apache.hadoop.fs.RawLocalFileSystem raw ? raw.pathToFile(p) : null;
  }

  public static boolean exists(Configuration conf, Path p) {
    try {
      return rawFileSystem(conf, p).exists(p);
    } catch (IOException e) {
      throw NomoatException.io("cannot check " + p + ": " + e.getMessage(), e);
    }
  }

  public static boolean isDirectory(Configuration conf, Path p) {
    try {
      FileSystem fs = rawFileSystem(conf, p);
      return fs.exists(p) && fs.getFileStatus(p).isDirectory();
    } catch (IOException e) {
      throw NomoatException.io("cannot check " + p + ": " + e.getMessage(), e);
    }
  }

  public static long length(Configuration conf, Path p) {
    try {
      return rawFileSystem(conf, p).getFileStatus(p).getLen();
    } catch (java.io.FileNotFoundException e) {
      throw NomoatException.inputData("file not found: " + p, e);
    } catch (IOException e) {
      throw NomoatException.io("cannot stat " + p + ": " + e.getMessage(), e);
    }
  }

  /** The whole file, refusing anything larger than maxBytes (small JSON files only). */
  public static byte[] readAll(Configuration conf, Path p, long maxBytes) {
    long len = length(conf, p);
    if (len > maxBytes) throw NomoatException.inputData(p + " is " + len + " bytes; more than the " + maxBytes + " allowed for this kind of file");
    byte[] b = new byte[(int) len];
    try (FSDataInputStream in = rawFileSystem(conf, p).open(p)) {
      in.readFully(0, b);
      return b;
    } catch (IOException e) {
      throw NomoatException.io("cannot read " + p + ": " + e.getMessage(), e);
    }
  }

  public static FSDataInputStream open(Configuration conf, Path p) {
    try {
      return rawFileSystem(conf, p).open(p);
    } catch (java.io.FileNotFoundException e) {
      throw NomoatException.inputData("file not found: " + p, e);
    } catch (IOException e) {
      throw NomoatException.io("cannot open " + p + ": " + e.getMessage(), e);
    }
  }

  public static OutputStream create(Configuration conf, Path p) {
    try {
      return rawFileSystem(conf, p).create(p, true);
    } catch (IOException e) {
      throw NomoatException.io("cannot create " + p + ": " + e.getMessage(), e);
    }
  }

  public static void writeAll(Configuration conf, Path p, byte[] bytes) {
    try (OutputStream out = create(conf, p)) {
      out.write(bytes);
    } catch (IOException e) {
      throw NomoatException.io("cannot write " + p + ": " + e.getMessage(), e);
    }
  }

  public static void mkdirs(Configuration conf, Path p) {
    try {
      rawFileSystem(conf, p).mkdirs(p);
    } catch (IOException e) {
      throw NomoatException.io("cannot create directory " + p + ": " + e.getMessage(), e);
    }
  }

  /** Reads exactly n bytes at a file position; a short file is an input-data error naming the file. */
  public static void readFully(FSDataInputStream in, Path p, long pos, byte[] buf, int n) {
    try {
      in.readFully(pos, buf, 0, n);
    } catch (java.io.EOFException e) {
      throw NomoatException.inputData(p + " is truncated: cannot read " + n + " bytes at offset " + pos, e);
    } catch (IOException e) {
      throw NomoatException.io("cannot read " + p + " at offset " + pos + ": " + e.getMessage(), e);
    }
  }

  public static void closeQuietly(InputStream in) {
    try {
      if (in != null) in.close();
    } catch (IOException ignored) {
      // reading is finished; nothing to recover
    }
  }
}
