package nomoat.pipeline.prepare;

import org.apache.hadoop.fs.Path;

/**
 * Example ids that survive moving a dataset: an id hashes the source name, the file's path relative to the root of
 * the pattern that matched it, and the record's position in the file. The same dataset on file://, hdfs:// or
 * s3a:// (or under another prefix) keeps its ids, and so its split, order and samples.
 */
public final class RecordIds {
  private RecordIds() {}

  /**
   * The directory a pattern is relative to: the pattern itself when it names a directory, else the parent of its
   * first path component that holds a glob character (or of the file it names).
   */
  public static String root(String qualifiedPattern, boolean isDirectory) {
    Path p = new Path(qualifiedPattern);
    if (isDirectory && !hasGlob(qualifiedPattern)) return withSlash(p.toString());
    Path cur = p;
    Path firstGlob = null;
    while (cur != null) {
      if (hasGlob(cur.getName())) firstGlob = cur;
      cur = cur.getParent();
    }
    Path base = firstGlob != null ? firstGlob.getParent() : p.getParent();
    return base == null ? "" : withSlash(base.toString());
  }

  /** The file's path below the root, e.g. "2024/part-0001.jsonl". */
  public static String relative(String fileUri, String root) {
    if (!root.isEmpty() && fileUri.startsWith(root)) return fileUri.substring(root.length());
    return new Path(fileUri).getName();
  }

  /** The part of a reader's location after the file URI ("#12", ":line 7"). */
  public static String position(String location, String fileUri) {
    return location.startsWith(fileUri) ? location.substring(fileUri.length()) : location;
  }

  private static boolean hasGlob(String s) {
    return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0 || s.indexOf('{') >= 0;
  }

  private static String withSlash(String s) {
    return s.endsWith("/") ? s : s + "/";
  }
}
