package nomoat.pipeline.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.shard.ShardRow;

/** The rows one data-parallel worker trains (or scores) in an epoch, by global row index: one cached partition. */
public final class WorkerRows implements Serializable {
  private static final long serialVersionUID = 1L;
  private final Map<Integer, ShardRow> rows = new HashMap<>();

  public void put(int globalRow, ShardRow row) { rows.put(globalRow, row); }

  public int size() { return rows.size(); }

  public List<ShardRow> get(int[] globalRows) {
    List<ShardRow> out = new ArrayList<>(globalRows.length);
    for (int r : globalRows) {
      ShardRow row = rows.get(r);
      if (row == null) throw new IllegalStateException("row " + r + " is not in this worker's partition (data plan and partitions disagree)");
      out.add(row);
    }
    return out;
  }
}
