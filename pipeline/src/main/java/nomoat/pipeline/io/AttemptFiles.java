package nomoat.pipeline.io;

import java.io.IOException;
import java.util.List;
import nomoat.pipeline.NomoatException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Files written by parallel tasks into a {@link CommittedOutput}'s staging directory. Each task attempt writes
 * below {@code _attempts/<attempt id>/}, so a speculative or zombie attempt never writes over another's file; the
 * driver then {@link #publish publishes} the attempts whose results it accepted, moving each file to its final
 * path, and drops every attempt directory (losers included).
 */
public final class AttemptFiles {
  public static final String ATTEMPTS_DIR = "_attempts";

  private AttemptFiles() {}

  /** Where attempt {@code attemptId} writes the file whose final path is {@code relativePath}. */
  public static String path(String attemptId, String relativePath) {
    if (attemptId.isEmpty() || attemptId.contains("/")) throw new IllegalArgumentException("bad attempt id '" + attemptId + "'");
    return ATTEMPTS_DIR + "/" + attemptId + "/" + relativePath;
  }

  /** The final path of a file written at {@code attemptPath} ({@link #path} undone). */
  public static String finalPath(String attemptPath) {
    if (!attemptPath.startsWith(ATTEMPTS_DIR + "/")) throw new IllegalArgumentException(attemptPath + " is not an attempt path");
    int slash = attemptPath.indexOf('/', ATTEMPTS_DIR.length() + 1);
    if (slash < 0) throw new IllegalArgumentException(attemptPath + " is not an attempt path");
    return attemptPath.substring(slash + 1);
  }

  /** Moves the accepted attempts' files (paths relative to {@code staging}) to their final paths; drops the rest. */
  public static void publish(Configuration conf, String staging, List<String> acceptedAttemptPaths) {
    Path root = new Path(staging);
    FileSystem fs = Storage.fileSystem(conf, root);
    try {
      for (String rel : acceptedAttemptPaths) {
        Path from = new Path(root, rel), to = new Path(root, finalPath(rel));
        fs.mkdirs(to.getParent());
        if (!fs.rename(from, to)) throw new IOException("cannot move " + from + " to " + to);
      }
      fs.delete(new Path(root, ATTEMPTS_DIR), true);
    } catch (IOException e) {
      throw NomoatException.io("cannot publish task output in " + staging + ": " + e.getMessage(), e);
    }
  }
}
