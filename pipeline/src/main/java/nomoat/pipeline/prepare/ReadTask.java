package nomoat.pipeline.prepare;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.config.PrepareSettings;
import nomoat.pipeline.config.SourceSettings;
import nomoat.pipeline.data.ExampleBuilder;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.source.InputFile;
import nomoat.pipeline.source.InputFiles;
import nomoat.pipeline.source.SourceFormat;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One input file of one source, with its resolved file format and the path its example ids are relative to.
 *
 * @param source       index of the source in prepare.sources
 * @param format       the {@link SourceFormat} code, resolved from the file name when the source says auto
 * @param relativePath the file's path below the root of the pattern that matched it ({@link RecordIds#root})
 */
public record ReadTask(int source, String sourceName, SourceFormat format, String uri, long length, String relativePath)
    implements Serializable {

  /** Every input file of every source, in source order, each file once per source. */
  public static List<ReadTask> plan(Configuration conf, PrepareSettings p) {
    List<ReadTask> tasks = new ArrayList<>();
    for (int i = 0; i < p.sources().size(); i++) {
      SourceSettings s = p.sources().get(i);
      SourceFormat declared = s.fileFormat();
      Map<String, ReadTask> byUri = new LinkedHashMap<>();
      for (String pattern : s.paths()) {
        Path qualified = qualify(conf, pattern);
        String root = RecordIds.root(qualified.toString(), isDirectory(conf, qualified));
        for (InputFile f : InputFiles.expand(conf, List.of(pattern))) {
          SourceFormat format = declared.resolve(conf, f.uri());
          byUri.putIfAbsent(f.uri(), new ReadTask(i, s.name(), format, f.uri(), f.length(), RecordIds.relative(f.uri(), root)));
        }
      }
      tasks.addAll(byUri.values());
    }
    return tasks;
  }

  /**
   * The id of the row a reader located at {@code rowLocation}: source name, path below the pattern's root and
   * position in the file, so it survives moving the dataset to another store or prefix.
   */
  public String exampleId(String rowLocation) {
    return ExampleBuilder.exampleId(sourceName, relativePath + RecordIds.position(rowLocation, uri));
  }

  public InputFile file() { return new InputFile(uri, length); }

  private static Path qualify(Configuration conf, String pattern) {
    Path path = new Path(pattern);
    return Storage.fileSystem(conf, path).makeQualified(path);
  }

  private static boolean isDirectory(Configuration conf, Path p) {
    try {
      FileSystem fs = Storage.fileSystem(conf, p);
      return fs.exists(p) && fs.getFileStatus(p).isDirectory();
    } catch (IOException | IllegalArgumentException e) {
      return false; // a glob: not a directory itself
    }
  }
}
