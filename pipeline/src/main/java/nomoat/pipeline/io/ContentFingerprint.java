package nomoat.pipeline.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import nomoat.pipeline.NomoatException;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A cheap content fingerprint of a model or adapter (a file, or a directory's files): SHA-256 over each file's name
 * relative to the top, its length, and its bytes — all of them for files up to {@link #WHOLE_FILE_BYTES}, else the first
 * {@link #HEAD_BYTES} (safetensors and GGUF headers: names, shapes, dtypes, offsets, metadata) plus {@link #SAMPLES}
 * evenly spaced {@link #SAMPLE_BYTES}-byte pieces and the last piece. Paths, modification times and file-system
 * side files ({@code .crc}, hidden and {@code _}-prefixed names) stay out, so the same model copied to HDFS or S3 has the
 * same fingerprint, and a different model (other shapes, other values in any sampled piece) has another.
 */
public final class ContentFingerprint {
  public static final long WHOLE_FILE_BYTES = 64L << 20;
  static final int HEAD_BYTES = 4 << 20, SAMPLE_BYTES = 64 << 10, SAMPLES = 32;

  private ContentFingerprint() {}

  /** Lower-case hex SHA-256 fingerprint of the file or directory at {@code uri}. */
  public static String of(Configuration conf, String uri) {
    Path top = new Path(uri);
    MessageDigest md = sha256();
    try {
      FileSystem fs = Storage.rawFileSystem(conf, top);
      FileStatus st = fs.getFileStatus(top);
      List<FileStatus> files = new ArrayList<>();
      if (st.isDirectory()) {
        for (FileStatus f : fs.listStatus(top)) if (f.isFile() && counts(f.getPath().getName())) files.add(f);
        files.sort((a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
      } else {
        files.add(st);
      }
      for (FileStatus f : files) {
        String name = st.isDirectory() ? f.getPath().getName() : "";   // a single file's own name may change on copy
        md.update((name + "\0" + f.getLen() + "\0").getBytes(StandardCharsets.UTF_8));
        try (FSDataInputStream in = fs.open(f.getPath())) {
          for (long[] piece : pieces(f.getLen())) digest(md, in, f.getPath(), piece[0], piece[1]);
        }
      }
    } catch (java.io.FileNotFoundException e) {
      throw NomoatException.inputData(uri + " does not exist", e);
    } catch (IOException e) {
      throw NomoatException.io("cannot read " + uri + ": " + e.getMessage(), e);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** The {offset, length} pieces of a file of {@code len} bytes that the fingerprint reads. */
  static List<long[]> pieces(long len) {
    List<long[]> out = new ArrayList<>();
    if (len <= WHOLE_FILE_BYTES) {
      out.add(new long[] {0, len});
      return out;
    }
    out.add(new long[] {0, HEAD_BYTES});
    long span = len - HEAD_BYTES - SAMPLE_BYTES;
    for (int i = 0; i < SAMPLES; i++) out.add(new long[] {HEAD_BYTES + span * i / SAMPLES, SAMPLE_BYTES});
    out.add(new long[] {len - SAMPLE_BYTES, SAMPLE_BYTES});
    return out;
  }

  private static boolean counts(String name) {
    return !name.startsWith(".") && !name.startsWith("_") && !name.endsWith(".crc");
  }

  private static void digest(MessageDigest md, FSDataInputStream in, Path p, long offset, long length) throws IOException {
    byte[] buf = new byte[(int) Math.min(1 << 20, Math.max(1, length))];
    in.seek(offset);
    for (long done = 0; done < length; ) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, length - done));
      if (n < 0) throw new IOException(p + " ended at byte " + (offset + done) + " while fingerprinting");
      md.update(buf, 0, n);
      done += n;
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
