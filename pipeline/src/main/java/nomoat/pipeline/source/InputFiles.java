package nomoat.pipeline.source;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.io.Storage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Turns configured paths and globs (any Hadoop file system) into the sorted list of files to read. */
public final class InputFiles {
  private InputFiles() {}

  /**
   * Expands each path or glob; directories expand recursively to their visible files (names starting with
   * {@code _} or {@code .} are skipped, like Hadoop and Spark do for {@code _SUCCESS} and {@code .crc}).
   * A file matched twice is listed once. Result is sorted by URI so every run reads in the same order.
   *
   * @throws NomoatException INPUT_DATA naming the first pattern that matches no file
   */
  public static List<InputFile> expand(Configuration conf, List<String> pathsOrGlobs) {
    Map<String, InputFile> found = new LinkedHashMap<>();
    for (String pattern : pathsOrGlobs) {
      Path path = new Path(pattern);
      FileSystem fs = Storage.fileSystem(conf, path);
      List<InputFile> matched = new ArrayList<>();
      try {
        FileStatus[] statuses = fs.globStatus(path);
        if (statuses != null) {
          for (FileStatus status : statuses) collect(fs, status, matched);
        }
      } catch (IOException e) {
        throw NomoatException.io("cannot list input " + pattern + ": " + e.getMessage(), e);
      }
      if (matched.isEmpty()) {
        throw NomoatException.inputData("input path " + pattern + " matches no files");
      }
      for (InputFile f : matched) found.putIfAbsent(f.uri(), f);
    }
    List<InputFile> files = new ArrayList<>(found.values());
    files.sort(Comparator.comparing(InputFile::uri));
    return files;
  }

  private static void collect(FileSystem fs, FileStatus status, List<InputFile> out) throws IOException {
    if (status.isDirectory()) {
      for (FileStatus child : fs.listStatus(status.getPath())) {
        if (!isHidden(child.getPath().getName())) collect(fs, child, out);
      }
    } else {
      out.add(new InputFile(fs.makeQualified(status.getPath()).toString(), status.getLen()));
    }
  }

  static boolean isHidden(String name) {
    return name.startsWith("_") || name.startsWith(".");
  }
}
