package nomoat.pipeline.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.NomoatException.ExitCode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit protocol every stage uses, and the one reader/writer of the {@code _SUCCESS} marker and of the
 * staging marker.
 *
 * <p>{@link #begin} first applies the {@link OutputPathRule} (touching nothing when it refuses), then creates
 * {@link #stagingDir()} ({@code <parent>/.<name>.tmp-<runId>}, a sibling of the output so the final rename stays
 * inside one file system and, on HDFS, is atomic) holding {@code _nomoat_staging} (JSON: run id, start time), which
 * a daemon thread rewrites every {@link Heartbeat#interval()} while the run lives. A stage writes everything under
 * staging, then calls {@link #commit()}:
 * <ol>
 *   <li>the heartbeat stops and the output path is checked against the rule again;</li>
 *   <li>an existing output (a committed one replaced with --force, an empty directory, or nomoat's own
 *       uncommitted leftover) is renamed to {@code <parent>/.<name>.old-<runId>};</li>
 *   <li>staging is renamed to the output;</li>
 *   <li>{@code _SUCCESS} is written LAST: JSON {@code {"time": ISO-8601, "run_id": ...}}; the staging marker goes;</li>
 *   <li>the old output is deleted.</li>
 * </ol>
 * A run killed at any point therefore never leaves {@code _SUCCESS} on a half-written output. If it dies
 * between steps 2 and 4, the previous committed output survives as {@code .<name>.old-<runId>} and the next
 * {@link #begin} puts it back; what it half-published carries the staging marker, so it is known to be nomoat's.
 * Staging directories whose marker has not been rewritten for {@link Heartbeat#staleAfter()} belong to killed runs:
 * the next {@link #begin} of the same output deletes them and says so; fresh ones (a run still going) are left
 * alone. Two runs writing the same output at the same time are not supported.
 */
public final class CommittedOutput implements AutoCloseable {
  public static final String SUCCESS = "_SUCCESS";
  /** In staging from {@link #begin} to {@link #commit}: marks a directory as nomoat's and carries the heartbeat. */
  public static final String STAGING_MARKER = "_nomoat_staging";
  private static final Logger LOG = LoggerFactory.getLogger(CommittedOutput.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter RUN_ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  /**
   * How often a live run rewrites its staging marker, and how long without a rewrite makes staging stale. The
   * margin covers long GC pauses, a slow store and clock skew between the machines that write and judge it.
   */
  public record Heartbeat(Duration interval, Duration staleAfter) {
    public static final Heartbeat DEFAULT = new Heartbeat(Duration.ofSeconds(10), Duration.ofMinutes(2));

    public Heartbeat {
      if (interval.isNegative() || interval.isZero()) throw new IllegalArgumentException("interval must be positive");
      if (staleAfter.compareTo(interval.multipliedBy(3)) < 0) throw new IllegalArgumentException("staleAfter must be >= 3 intervals");
    }
  }

  private final FileSystem fs;
  private final Path output;
  private final Path staging;
  private final String runId;
  private final boolean force;
  private final Heartbeat heartbeat;
  private final Instant started = Instant.now();
  private final List<String> staleStagingRemoved = new ArrayList<>();
  private ScheduledExecutorService beat;
  private boolean finished;

  private CommittedOutput(FileSystem fs, Path output, String runId, boolean force, Heartbeat heartbeat) {
    this.fs = fs;
    this.output = output;
    this.runId = runId;
    this.force = force;
    this.heartbeat = heartbeat;
    this.staging = sibling(output, ".tmp-" + runId);
  }

  /** Starts a run with a fresh run id and no inputs to keep apart from. */
  public static CommittedOutput begin(Configuration conf, String outputUri, boolean force) {
    return begin(conf, outputUri, force, List.of());
  }

  /** Starts a run with the given run id and no inputs to keep apart from. */
  public static CommittedOutput begin(Configuration conf, String outputUri, boolean force, String runId) {
    return begin(conf, outputUri, force, List.of(), runId, Heartbeat.DEFAULT);
  }

  /** Starts a run with a fresh run id; {@code inputs} (paths or globs the stage reads) must not overlap the output. */
  public static CommittedOutput begin(Configuration conf, String outputUri, boolean force, List<String> inputs) {
    return begin(conf, outputUri, force, inputs, newRunId(), Heartbeat.DEFAULT);
  }

  /**
   * Starts a run. Refuses, touching nothing, when the {@link OutputPathRule} forbids writing {@code outputUri}.
   *
   * @throws NomoatException OUTPUT_EXISTS when the output is committed and !force; CONFIG when the output is a file,
   *     a directory nomoat did not write, or overlaps an input; IO on storage failure
   */
  public static CommittedOutput begin(Configuration conf, String outputUri, boolean force, List<String> inputs,
                                      String runId, Heartbeat heartbeat) {
    Path output = new Path(outputUri);
    FileSystem fs = Storage.fileSystem(conf, output);
    output = fs.makeQualified(output);
    if (output.getParent() == null) throw NomoatException.config("output " + outputUri + " cannot be a file system root");
    OutputPathRule.requireApartFromInputs(conf, output, inputs);
    try {
      recoverInterruptedCommit(fs, output);
      OutputPathRule.requireReplaceable(OutputPathRule.inspect(fs, output), outputUri, force);
      CommittedOutput handle = new CommittedOutput(fs, output, runId, force, heartbeat);
      handle.removeStaleStaging();
      if (fs.exists(handle.staging)) fs.delete(handle.staging, true);
      if (!fs.mkdirs(handle.staging)) throw new IOException("mkdirs returned false");
      handle.startHeartbeat();
      return handle;
    } catch (IOException e) {
      throw NomoatException.io("cannot prepare output " + outputUri + ": " + e.getMessage(), e);
    }
  }

  public String runId() { return runId; }

  public String outputUri() { return output.toString(); }

  /** Where the stage writes; its contents become the output on {@link #commit()}. */
  public String stagingDir() { return staging.toString(); }

  /** Staging directories of killed runs that {@link #begin} deleted. */
  public List<String> staleStagingRemoved() { return List.copyOf(staleStagingRemoved); }

  /** Publishes staging as the output; see the class comment for the order of steps. */
  public void commit() {
    checkOpen();
    stopHeartbeat();
    Path old = sibling(output, ".old-" + runId);
    try {
      // The output path may have changed while the run went on: never move aside what the rule forbids.
      OutputPathRule.State now = OutputPathRule.inspect(fs, output);
      OutputPathRule.requireReplaceable(now, output.toString(), force);
      if (now.kind() != OutputPathRule.Kind.ABSENT) rename(output, old);
      // Another run on the same output (unsupported) may have put something back; never rename into it.
      if (fs.exists(output)) throw new IOException("another run is writing " + output + "; staging kept at " + staging);
      rename(staging, output);
      writeSuccess(new Path(output, SUCCESS));
      finished = true;
      fs.delete(new Path(output, STAGING_MARKER), false);
      if (fs.exists(old)) fs.delete(old, true);
    } catch (IOException e) {
      throw NomoatException.io("cannot commit " + output + ": " + e.getMessage(), e);
    }
  }

  /** Drops everything written to staging; the output is untouched. */
  public void abort() {
    if (finished) return;
    finished = true;
    stopHeartbeat();
    try {
      fs.delete(staging, true);
    } catch (IOException e) {
      throw NomoatException.io("cannot delete staging dir " + staging + ": " + e.getMessage(), e);
    }
  }

  /**
   * Ends the run without committing or deleting: the heartbeat stops, so staging (kept for a person to read, e.g.
   * rejected rows) becomes stale and a later run of the same output removes it. No-op after commit or abort.
   */
  @Override
  public void close() {
    stopHeartbeat();
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

  private static String newRunId() {
    String random = Long.toHexString(new SecureRandom().nextLong() & 0xffffffffffffL);
    return RUN_ID_TIME.format(Instant.now()) + "-" + random;
  }

  private void startHeartbeat() throws IOException {
    writeMarker(); // before begin returns: staging is never unmarked while the run lives
    beat = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nomoat-heartbeat " + staging.getName());
      t.setDaemon(true);
      return t;
    });
    long ms = heartbeat.interval().toMillis();
    beat.scheduleWithFixedDelay(() -> {
      try {
        writeMarker();
      } catch (IOException | RuntimeException e) {
        LOG.warn("cannot refresh the heartbeat of {}: {}", staging, e.toString());
      }
    }, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Waits for a rewrite in flight (never interrupts it: a half-written marker would not be recognised). */
  private void stopHeartbeat() {
    if (beat == null) return;
    beat.shutdown();
    try {
      if (!beat.awaitTermination(2, TimeUnit.MINUTES)) LOG.warn("heartbeat of {} did not stop", staging);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    beat = null;
  }

  private void writeMarker() throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("run_id", runId);
    body.put("started", started.toString());
    body.put("heartbeat", Instant.now().toString());
    try (FSDataOutputStream out = fs.create(new Path(staging, STAGING_MARKER), true)) {
      out.write(JSON.writeValueAsBytes(body));
    }
  }

  /** Deletes this output's staging directories whose heartbeat is older than {@link Heartbeat#staleAfter()}. */
  private void removeStaleStaging() throws IOException {
    Path parent = output.getParent();
    if (!fs.exists(parent)) return;
    String prefix = "." + output.getName() + ".tmp-";
    for (FileStatus dir : fs.listStatus(parent, p -> p.getName().startsWith(prefix))) {
      if (dir.getPath().getName().equals(staging.getName())) continue;
      Duration age = Duration.ofMillis(Math.max(0, System.currentTimeMillis() - lastHeartbeat(dir)));
      if (age.compareTo(heartbeat.staleAfter()) > 0) {
        fs.delete(dir.getPath(), true);
        staleStagingRemoved.add(dir.getPath().toString());
        LOG.warn("removed stale staging dir {} (no heartbeat for {} s: left by a killed or failed run)", dir.getPath(), age.toSeconds());
      } else {
        LOG.warn("left staging dir {} alone: its heartbeat is {} s old, so another run may still be writing {}",
            dir.getPath(), age.toSeconds(), output);
      }
    }
  }

  /** The marker's last rewrite; for staging without one (killed before it was written), the directory's mtime. */
  private long lastHeartbeat(FileStatus dir) throws IOException {
    Path marker = new Path(dir.getPath(), STAGING_MARKER);
    try {
      return fs.getFileStatus(marker).getModificationTime();
    } catch (java.io.FileNotFoundException e) {
      return dir.getModificationTime();
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

  /**
   * A previous commit died after moving the committed output aside: restore it unless a newer commit finished.
   * Only nomoat's own half-published output (or nothing, or an empty directory) is cleared to make room.
   */
  private static void recoverInterruptedCommit(FileSystem fs, Path output) throws IOException {
    Path parent = output.getParent();
    if (parent == null || !fs.exists(parent)) return;
    String prefix = "." + output.getName() + ".old-";
    FileStatus[] olds = fs.listStatus(parent, p -> p.getName().startsWith(prefix));
    for (FileStatus old : olds) {
      OutputPathRule.Kind now = OutputPathRule.inspect(fs, output).kind();
      boolean oldCommitted = OutputPathRule.inspect(fs, old.getPath()).kind() == OutputPathRule.Kind.COMMITTED;
      if (oldCommitted && now != OutputPathRule.Kind.COMMITTED) {
        if (now == OutputPathRule.Kind.FILE || now == OutputPathRule.Kind.FOREIGN) continue; // not ours: begin refuses
        if (now != OutputPathRule.Kind.ABSENT) fs.delete(output, true); // half-published, never marked committed
        if (!fs.rename(old.getPath(), output)) throw new IOException("cannot restore " + old.getPath() + " to " + output);
      } else {
        fs.delete(old.getPath(), true);
      }
    }
  }

  private static Path sibling(Path output, String suffix) {
    return new Path(output.getParent(), "." + output.getName() + suffix);
  }
}
