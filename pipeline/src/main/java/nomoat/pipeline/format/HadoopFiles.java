package nomoat.pipeline.format;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import nomoat.pipeline.NomoatException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Hadoop FileSystem access for model and adapter files (local, HDFS, S3 alike): positioned reads for large
 * tensor files, and the raw local file system for local paths (see {@link #fs}). Small-file helpers for the
 * rest of nomoat live in {@code nomoat.pipeline.io.Storage}.
 */
public final class HadoopFiles {
  private HadoopFiles() {}

  /**
   * The file system of p. Local paths use the raw local file system: no ".crc" side files are written next
   * to model/adapter files, and files edited by other tools (e.g. a hand-fixed adapter_config.json) still read.
   */
  public static FileSystem fs(Configuration conf, Path p) {
    try {
      FileSystem fs = p.getFileSystem(conf);
      return fs instanceof LocalFileSystem ? ((LocalFileSystem) fs).getRawFileSystem() : fs;
    } catch (IOException e) {
      throw NomoatException.io("cannot reach the file system of " + p + ": " + e.getMessage(), e);
    }
  }

  public static boolean exists(Configuration conf, Path p) {
    try {
      return fs(conf, p).exists(p);
    } catch (IOException e) {
      throw NomoatException.io("cannot check " + p + ": " + e.getMessage(), e);
    }
  }

  public static boolean isDirectory(Configuration conf, Path p) {
    try {
      FileSystem fs = fs(conf, p);
      return fs.exists(p) && fs.getFileStatus(p).isDirectory();
    } catch (IOException e) {
      throw NomoatException.io("cannot check " + p + ": " + e.getMessage(), e);
    }
  }

  public static long length(Configuration conf, Path p) {
    try {
      return fs(conf, p).getFileStatus(p).getLen();
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
    try (FSDataInputStream in = fs(conf, p).open(p)) {
      in.readFully(0, b);
      return b;
    } catch (IOException e) {
      throw NomoatException.io("cannot read " + p + ": " + e.getMessage(), e);
    }
  }

  public static FSDataInputStream open(Configuration conf, Path p) {
    try {
      return fs(conf, p).open(p);
    } catch (java.io.FileNotFoundException e) {
      throw NomoatException.inputData("file not found: " + p, e);
    } catch (IOException e) {
      throw NomoatException.io("cannot open " + p + ": " + e.getMessage(), e);
    }
  }

  public static OutputStream create(Configuration conf, Path p) {
    try {
      return fs(conf, p).create(p, true);
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
      fs(conf, p).mkdirs(p);
    } catch (IOException e) {
      throw NomoatException.io("cannot create directory " + p + ": " + e.getMessage(), e);
    }
  }

  /** Reads exactly n bytes at a file position; a short file is an input-data error naming the file. */
  static void readFully(FSDataInputStream in, Path p, long pos, byte[] buf, int n) {
    try {
      in.readFully(pos, buf, 0, n);
    } catch (java.io.EOFException e) {
      throw NomoatException.inputData(p + " is truncated: cannot read " + n + " bytes at offset " + pos, e);
    } catch (IOException e) {
      throw NomoatException.io("cannot read " + p + " at offset " + pos + ": " + e.getMessage(), e);
    }
  }

  static void closeQuietly(InputStream in) {
    try {
      if (in != null) in.close();
    } catch (IOException ignored) {
      // reading is finished; nothing to recover
    }
  }
}
