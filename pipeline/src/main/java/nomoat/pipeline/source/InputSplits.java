package nomoat.pipeline.source;

import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/** Cuts input files into splits of at most {@code maxSplitBytes} where the format allows it (uncompressed JSONL). */
public final class InputSplits {
  private InputSplits() {}

  public static List<InputSplit> plan(Configuration conf, List<InputFile> files, SourceFormat format, long maxSplitBytes) {
    if (maxSplitBytes <= 0) throw new IllegalArgumentException("maxSplitBytes must be positive");
    List<InputSplit> splits = new ArrayList<>();
    for (InputFile f : files) {
      boolean splittable = format.splittable(conf, f.uri());
      if (!splittable || f.length() <= maxSplitBytes) {
        splits.add(new InputSplit(f.uri(), 0, Math.max(f.length(), 0)));
        continue;
      }
      for (long s = 0; s < f.length(); s += maxSplitBytes) {
        splits.add(new InputSplit(f.uri(), s, Math.min(f.length(), s + maxSplitBytes)));
      }
    }
    return splits;
  }
}
