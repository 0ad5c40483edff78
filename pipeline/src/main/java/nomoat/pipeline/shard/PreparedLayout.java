package nomoat.pipeline.shard;

import java.util.Locale;
import org.apache.hadoop.fs.Path;

/**
 * Where things live inside a prepare output directory. Paths are relative to the output so the directory
 * can be committed by rename (or copied elsewhere) and still resolve:
 * <pre>
 *   data/train/part-00000.parquet      shards ({@link ShardSchema})
 *   data/validation/part-00000.parquet
 *   rejected/part-00000.jsonl          quarantined rows ({@link RejectedWriter})
 *   manifest.json                      {@link Manifest}
 *   _SUCCESS                           written last by {@link nomoat.pipeline.io.CommittedOutput}
 * </pre>
 */
public final class PreparedLayout {
  private PreparedLayout() {}

  public static final String MANIFEST = Manifest.FILE_NAME;

  /** The shard file of {@code split} (train | validation) written by task/partition {@code part}. */
  public static String shardFile(String split, int part) {
    return splitDir(split) + "/" + shardFileName(part);
  }

  /** The directory of a split's shards: data/train or data/validation. */
  public static String splitDir(String split) {
    if (!split.equals(DatasetStats.TRAIN) && !split.equals(DatasetStats.VALIDATION)) {
      throw new IllegalArgumentException("unknown split '" + split + "'");
    }
    return "data/" + split;
  }

  /** The file name of shard {@code part} within its split: part-00000.parquet, ... (ASCII digits in any locale). */
  public static String shardFileName(int part) {
    return String.format(Locale.ROOT, "part-%05d.parquet", part);
  }

  /** The rejected-rows file written by task/partition {@code part}. */
  public static String rejectedFile(int part) {
    return String.format(Locale.ROOT, "rejected/part-%05d.jsonl", part);
  }

  /** {@code relative} inside {@code outputUri}. */
  public static String resolve(String outputUri, String relative) {
    return new Path(new Path(outputUri), relative).toString();
  }
}
