package nomoat.pipeline.prepare;

import java.io.Serializable;

/**
 * Where an example goes: global shard number (train shards first, then validation shards) and its place in the
 * shuffled order within that shard. One shuffle writes both splits.
 */
public record ShardKey(int shard, long order) implements Comparable<ShardKey>, Serializable {
  @Override
  public int compareTo(ShardKey o) {
    int c = Integer.compare(shard, o.shard);
    return c != 0 ? c : Long.compare(order, o.order);
  }
}
