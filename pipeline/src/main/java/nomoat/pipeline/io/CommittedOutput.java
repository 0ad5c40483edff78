package nomoat.pipeline.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.NomoatException.ExitCode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The commit protocol every stage uses, and the one reader/writer of the {@code _SUCCESS} marker.
 *
 * <p>A stage writes everything under {@link #stagingDir()} ({@code <parent>/.<name>.tmp-<runId>}, a sibling of
 * the output so the final rename stays inside one file system and, on HDFS, is atomic), then calls
 * {@link #commit()}:
 * <ol>
 *   <li>an existing output (a committed one replaced with --force, or an uncommitted leftover) is renamed to
 *       {@code <parent>/.<name>.old-<runId>};</li>
 *   <li>staging is renamed to the output;</li>
 *   <li>{@code _SUCCESS} is written LAST: JSON {@code {"time": ISO-8601, "run_id": ...}};</li>
 *   <li>the old output is deleted.</li>
 * </ol>
 * A run killed at any point therefore never leaves {@code _SUCCESS} on a half-written output. If it dies
 * between steps 1 and 3, the previous committed output survives as {@code .<name>.old-<runId>} and the next
 * {@link #begin} puts it back. Staging directories of killed runs are left alone (they may belong to a run
 * still going) and never read. Two runs writing the same output at the same time are not supported.
 */
public final class CommittedOutput {
  public static final String SUCCESS = "_SUCCESS";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter RUN_ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final Configuration conf;
  private final FileSystem fs;
  private final Path output;
  private final Path staging;
  private final String runId;
  private boolean finished;

  private CommittedOutput(Configuration conf, FileSystem fs, Path output, String runId) {
    this.conf = conf;
    this.fs = fs;
    this.output = output;
    this.runId = runId;
    this.staging = sibling(output, ".tmp-" + runId);
  }

  /** Starts a run with a fresh run id. */
  public static CommittedOutput begin(Configuration conf, String outputUri, boolean force) {
    String random = Long.toHexString(new SecureRandom().nextLong() & 0xffffffffffffL);
    return begin(conf, outputUri, force, RUN_ID_TIME.format(Instant.now()) + "-" + random);
  }

  /**
   * Starts a run. Refuses, touching nothing, when the output is committed and {@code force} is false.
   *
   * @throws NomoatException OUTPUT_EXISTS when {@code outputUri/_SUCCESS} exists and !force; IO on storage failure
   */
  public static CommittedOutput begin(Configuration conf, String outputUri, boolean force, String runId) {
    Path output = new Path(outputUri);
    FileSystem fs = Storage.fileSystem(conf, output);
    output = fs.makeQualified(output);
    if (output.getParent() == null) throw NomoatException.config("output " + outputUri + " cannot be a file system root");
    try {
      recoverInterruptedCommit(fs, output);
      Path success = new Path(output, SUCCESS);
      if (!force && fs.exists(success)) {
        throw new NomoatException(ExitCode.OUTPUT_EXISTS,
            outputUri + " is already committed (" + committedTime(fs, success) + "); rerun with --force to replace it");
      }
      CommittedOutput handle = new CommittedOutput(conf, fs, output, runId);
      if (fs.exists(handle.staging)) fs.delete(handle.staging, true);
      if (!fs.mkdirs(handle.staging)) throw new IOException("mkdirs returned false");
      return handle;
    } catch (IOException e) {
      throw NomoatException.io("cannot prepare output " + outputUri + ": " + e.getMessage(), e);
    }
  }

  public String runId() { return runId; }

  public String outputUri() { return output.toString(); }

  /** Where the stage writes; its contents become the output on {@link #commit()}. */
  public String stagingDir() { return staging.toString(); }

  /** Publishes staging as the output; see the class comment for the order of steps. */
  public void commit() {
    checkOpen();
    Path old = sibling(output, ".old-" + runId);
    try {
      if (fs.exists(output)) rename(output, old);
      // Another run on the same output (unsupported) may have put something back; never rename into it.
      if (fs.exists(output)) throw new IOException("another run is writing " + output + "; staging kept at " + staging);
      rename(staging, output);
      writeSuccess(new Path(output, SUCCESS));
      finished = true;
      if (fs.exists(old)) fs.delete(old, true);
    } catch (IOException e) {
      throw NomoatException.io("cannot commit " + output + ": " + e.getMessage(), e);
    }
  }

  /** Drops everything written to staging; the output is untouched. */
  public void abort() {
    if (finished) return;
    finished = true;
    try {
      fs.delete(staging, true);
    } catch (IOException e) {
      throw NomoatException.io("cannot delete staging dir " + staging + ": " + e.getMessage(), e);
    }
  }

  /** The parsed {@code _SUCCESS} of a committed output ({@code time}, {@code run_id}), or null if uncommitted. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> readSuccess(Configuration conf, String outputUri) {
    String uri = new Path(new Path(outputUri), SUCCESS).toString();
    if (!Storage.exists(conf, uri)) return null;
    try {
      return JSON.readValue(Storage.readAllBytes(conf, uri, 1 << 20), Map.class);
    } catch (IOException e) {
      throw new NomoatException(ExitCode.INPUT_DATA, uri + " is not the JSON nomoat writes: " + e.getMessage(), e);
    }
  }

  private void writeSuccess(Path success) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("time", Instant.now().toString());
    body.put("run_id", runId);
    try (FSDataOutputStream out = fs.create(success, false)) {
      out.write(JSON.writeValueAsBytes(body));
    }
  }

  private void rename(Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) throw new IOException("rename " + from + " -> " + to + " returned false");
  }

  private void checkOpen() {
    if (finished) throw new IllegalStateException("output " + output + " was already committed or aborted");
  }

  /** A previous commit died after moving the committed output aside: restore it unless a newer commit finished. */
  private static void recoverInterruptedCommit(FileSystem fs, Path output) throws IOException {
    Path parent = output.getParent();
    if (parent == null || !fs.exists(parent)) return;
    String prefix = "." + output.getName() + ".old-";
    FileStatus[] olds = fs.listStatus(parent, p -> p.getName().startsWith(prefix));
    boolean outputCommitted = fs.exists(new Path(output, SUCCESS));
    for (FileStatus old : olds) {
      boolean oldCommitted = fs.exists(new Path(old.getPath(), SUCCESS));
      if (oldCommitted && !outputCommitted) {
        if (fs.exists(output)) fs.delete(output, true); // half-published, never marked
        if (!fs.rename(old.getPath(), output)) throw new IOException("cannot restore " + old.getPath() + " to " + output);
        outputCommitted = true;
      } else {
        fs.delete(old.getPath(), true);
      }
    }
  }

  private static String committedTime(FileSystem fs, Path success) throws IOException {
    try (var in = fs.open(success)) {
      Object time = JSON.readValue(in.readAllBytes(), Map.class).get("time");
      if (time != null) return time.toString();
    } catch (IOException e) {
      // An empty or foreign _SUCCESS (e.g. written by Spark) still marks a committed output; fall back to mtime.
    }
    return Instant.ofEpochMilli(fs.getFileStatus(success).getModificationTime()).toString();
  }

  private static Path sibling(Path output, String suffix) {
    return new Path(output.getParent(), "." + output.getName() + suffix);
  }
}
