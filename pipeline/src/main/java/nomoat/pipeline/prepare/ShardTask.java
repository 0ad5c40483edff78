package nomoat.pipeline.prepare;

import java.io.Serializable;
import java.util.Iterator;
import nomoat.pipeline.data.TokenizedExample;
import nomoat.pipeline.shard.DatasetStats;
import nomoat.pipeline.shard.Packer;
import nomoat.pipeline.shard.ShardRow;
import nomoat.pipeline.shard.ShardWriter;
import org.apache.hadoop.conf.Configuration;

/**
 * Writes one shard of one split from examples already in shuffle order: packs them (or not), writes the Parquet
 * file and counts what it wrote. An empty input writes no file. Runs inside a Spark task, one per shard.
 */
public final class ShardTask {
  private ShardTask() {}

  /** What a shard task produced; {@code path} is relative to the output root, null when nothing was written. */
  public record Written(String path, String split, long rows, long tokens, long trainedTokens, DatasetStats stats) implements Serializable {}

  public static Written write(Configuration conf, String outputRoot, String relativePath, String split,
                              Iterator<TokenizedExample> examples, boolean packing, int seqLen) {
    DatasetStats stats = new DatasetStats();
    if (!examples.hasNext()) return new Written(null, split, 0, 0, 0, stats);
    Iterator<TokenizedExample> counted = new Iterator<>() {
      @Override public boolean hasNext() { return examples.hasNext(); }
      @Override public TokenizedExample next() {
        TokenizedExample e = examples.next();
        stats.recordExample(e, split);
        return e;
      }
    };
    Packer packer = packing ? Packer.packed(seqLen, Packer.DEFAULT_WINDOW) : Packer.unpacked();
    try (ShardWriter w = ShardWriter.open(conf, outputRoot + "/" + relativePath, ShardWriter.Options.defaults())) {
      Iterator<ShardRow> rows = packer.pack(counted);
      while (rows.hasNext()) {
        ShardRow row = rows.next();
        w.write(row);
        stats.recordShardRow(row, split);
      }
      w.close();
      return new Written(relativePath, split, w.rows(), w.tokens(), w.trainedTokens(), stats);
    }
  }
}
