package nomoat.pipeline.prepare;

import java.io.Serializable;
import nomoat.pipeline.config.PrepareSettings;
import nomoat.pipeline.shard.DatasetStats;
import nomoat.pipeline.shard.PreparedLayout;

/**
 * Which shard each example goes to. Shards are numbered globally, train shards first, then validation shards, so
 * one shuffle writes both splits; within a split an example's shard is its order key modulo the shard count.
 *
 * @param validationShards 0 when nothing goes to validation (one partition is still kept for it, empty)
 */
public record ShardAssignment(SplitRule rule, int trainShards, int validationShards) implements Serializable {

  /** Shard counts for {@code examples} examples: configured, or one per target-rows rows of the expected split. */
  public static ShardAssignment plan(PrepareSettings p, SplitRule rule, long examples) {
    long validation = p.validationCount() >= 0 ? p.validationCount() : Math.round(examples * p.validationFraction());
    int train = ShardPlan.shards(p.trainShards(), examples - validation, p.targetRowsPerShard());
    int val = validation == 0 ? 0 : ShardPlan.shards(p.validationShards(), validation, p.targetRowsPerShard());
    return new ShardAssignment(rule, train, val);
  }

  /** The example's shard and its place in that shard's shuffled order. */
  public ShardKey key(String exampleId) {
    long order = rule.orderKey(exampleId);
    int shard = rule.isValidation(exampleId)
        ? trainShards + (int) Math.floorMod(order, (long) Math.max(1, validationShards))
        : (int) Math.floorMod(order, (long) trainShards);
    return new ShardKey(shard, order);
  }

  /** Partitions of the shuffle: one per shard, at least one for validation. */
  public int partitions() { return trainShards + Math.max(1, validationShards); }

  /** The split of global shard {@code shard}: train | validation. */
  public String split(int shard) { return shard < trainShards ? DatasetStats.TRAIN : DatasetStats.VALIDATION; }

  /** The shard's file, relative to the output: data/{split}/part-NNNNN.parquet, numbered within its split. */
  public String file(int shard) {
    return PreparedLayout.shardFile(split(shard), shard < trainShards ? shard : shard - trainShards);
  }
}
