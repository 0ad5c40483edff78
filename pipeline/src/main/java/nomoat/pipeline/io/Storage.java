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
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Small-file helpers over the Hadoop FileSystem API, so the same call works for file://, hdfs:// and s3a://.
 * Every failure becomes one {@link NomoatException} naming the file.
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
}
