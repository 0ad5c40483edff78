package nomoat.pipeline.prepare;

/** How many Parquet files a split gets: the configured count, or one per target-rows rows (at least one). */
public final class ShardPlan {
  private ShardPlan() {}

  public static int shards(int configured, long rows, long targetRowsPerShard) {
    if (configured > 0) return (int) Math.max(1, Math.min(configured, Math.max(rows, 1)));
    return (int) Math.max(1, (rows + targetRowsPerShard - 1) / targetRowsPerShard);
  }

  /** The file name of shard {@code index}: part-00000.parquet, ... */
  public static String fileName(int index) {
    return nomoat.pipeline.shard.PreparedLayout.shardFileName(index);
  }
}
