package nomoat.pipeline.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.NomoatException.ExitCode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.GlobExpander;
import org.apache.hadoop.fs.GlobPattern;
import org.apache.hadoop.fs.Path;

/**
 * Where a stage may write. nomoat replaces only what it can prove it wrote: its own committed output (a
 * {@code _SUCCESS} holding nomoat's JSON with a {@code run_id}, and only with --force), its own uncommitted leftover
 * (a directory carrying the staging marker, e.g. a commit killed before {@code _SUCCESS}), or an empty directory.
 * A regular file or a directory nomoat did not write is refused, and so is an output equal to, inside or containing
 * an input. Refusals are configuration errors (exit 3), not "output exists" (exit 6): schedulers read 6 as "an
 * earlier attempt already committed" and carry on, which must never happen for somebody else's data.
 */
public final class OutputPathRule {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_MARKER_BYTES = 64 * 1024;

  private OutputPathRule() {}

  /** What is at an output path now. */
  enum Kind { ABSENT, EMPTY, COMMITTED, LEFTOVER, FILE, FOREIGN }

  /** {@code detail}: the committed time for COMMITTED, what makes a FOREIGN directory foreign. */
  record State(Kind kind, String detail) {}

  static State inspect(FileSystem fs, Path output) throws IOException {
    FileStatus status;
    try {
      status = fs.getFileStatus(output);
    } catch (FileNotFoundException e) {
      return new State(Kind.ABSENT, null);
    }
    if (!status.isDirectory()) return new State(Kind.FILE, null);
    Path success = new Path(output, CommittedOutput.SUCCESS);
    if (fs.exists(success)) {
      Map<?, ?> body = nomoatJson(fs, success);
      if (body == null) return new State(Kind.FOREIGN, "its _SUCCESS was not written by nomoat");
      Object time = body.get("time");
      return new State(Kind.COMMITTED, time != null ? time.toString() : "run " + body.get("run_id"));
    }
    if (nomoatJson(fs, new Path(output, CommittedOutput.STAGING_MARKER)) != null) return new State(Kind.LEFTOVER, null);
    FileStatus[] children = fs.listStatus(output);
    if (children.length == 0) return new State(Kind.EMPTY, null);
    String first = children[0].getPath().getName();
    return new State(Kind.FOREIGN, "it holds " + first + (children.length > 1 ? " and " + (children.length - 1) + " more" : ""));
  }

  /** Throws unless the thing at {@code outputUri} may be replaced (committed outputs only with {@code force}). */
  static void requireReplaceable(State state, String outputUri, boolean force) {
    switch (state.kind()) {
      case ABSENT, EMPTY, LEFTOVER -> { }
      case COMMITTED -> {
        if (!force) {
          throw new NomoatException(ExitCode.OUTPUT_EXISTS,
              outputUri + " is already committed (" + state.detail() + "); rerun with --force to replace it");
        }
      }
      case FILE -> throw NomoatException.config("output " + outputUri + " is a file; nomoat writes only to a new path, "
          + "an empty directory or an output it wrote itself: choose another output");
      case FOREIGN -> throw NomoatException.config("output " + outputUri + " is a directory nomoat did not write ("
          + state.detail() + "); nomoat replaces only its own outputs or an empty directory: choose another output");
    }
  }

  /**
   * Refuses an output equal to, inside or containing one of {@code inputs} (paths or globs, any file system).
   * A glob overlaps when it could match the output, something inside it, or one of its parents.
   */
  public static void requireApartFromInputs(Configuration conf, Path qualifiedOutput, List<String> inputs) {
    for (String input : inputs) {
      if (input == null || input.isBlank()) continue;
      for (String pattern : expandBraces(input)) {
        Path in = new Path(pattern);
        // a full URI needs no file system client (which would resolve the host); relative paths need one
        Path qualifiedIn = in.toUri().getScheme() != null && in.isAbsolute() ? in : Storage.fileSystem(conf, in).makeQualified(in);
        if (!sameFileSystem(qualifiedOutput, qualifiedIn)) continue;
        List<String> out = components(qualifiedOutput), inParts = components(qualifiedIn);
        if (!prefixesMatch(out, inParts)) continue;
        String relation = out.size() == inParts.size() ? "is the input " : out.size() > inParts.size() ? "is inside input " : "contains input ";
        throw NomoatException.config("output " + qualifiedOutput + " " + relation + input
            + "; nomoat never writes where it reads: choose an output outside its inputs");
      }
    }
  }

  /** The parsed JSON at {@code file} when it is nomoat's (an object with a string run_id), else null. */
  static Map<?, ?> nomoatJson(FileSystem fs, Path file) throws IOException {
    try (InputStream in = fs.open(file)) {
      byte[] bytes = in.readNBytes((int) MAX_MARKER_BYTES + 1);
      if (bytes.length > MAX_MARKER_BYTES) return null;
      Object parsed = JSON.readValue(bytes, Object.class);
      return parsed instanceof Map<?, ?> m && m.get("run_id") instanceof String ? m : null;
    } catch (FileNotFoundException e) {
      return null;
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      return null; // empty (Spark's own _SUCCESS) or not JSON: not nomoat's
    }
  }

  private static List<String> expandBraces(String pattern) {
    try {
      return GlobExpander.expand(pattern); // {a/b,c} may hold slashes: expand before splitting into components
    } catch (IOException | RuntimeException e) {
      return List.of(pattern);
    }
  }

  private static boolean sameFileSystem(Path a, Path b) {
    String sa = a.toUri().getScheme(), sb = b.toUri().getScheme();
    String aa = a.toUri().getAuthority(), ab = b.toUri().getAuthority();
    return (sa == null ? sb == null : sa.equalsIgnoreCase(sb)) && (aa == null ? ab == null : aa.equalsIgnoreCase(ab));
  }

  private static List<String> components(Path p) {
    List<String> parts = new ArrayList<>();
    for (String s : p.toUri().getPath().split("/")) if (!s.isEmpty()) parts.add(s);
    return parts;
  }

  /** One path is a prefix of (or equal to) the other, component by component, glob components matching. */
  private static boolean prefixesMatch(List<String> output, List<String> input) {
    for (int i = 0; i < Math.min(output.size(), input.size()); i++) {
      if (!componentMatches(input.get(i), output.get(i))) return false;
    }
    return true;
  }

  private static boolean componentMatches(String patternPart, String name) {
    if (patternPart.equals(name)) return true;
    try {
      GlobPattern glob = new GlobPattern(patternPart);
      return glob.hasWildcard() && glob.matches(name);
    } catch (RuntimeException e) {
      return true; // a pattern Hadoop cannot read: assume the worst
    }
  }
}
