package nomoat.pipeline.train;

import java.util.Arrays;
import java.util.List;
import nomoat.pipeline.model.Batch;
import nomoat.pipeline.shard.ShardRow;

/** Shard rows → one micro-batch padded to its longest row (not to the dataset's seq-len). Packed rows keep their segments. */
public final class MicroBatches {
  private MicroBatches() {}

  /** A micro-batch and how much of it is padding. */
  public record Padded(Batch batch, long realTokens, long slots) {}

  public static Padded build(List<ShardRow> rows) {
    if (rows.isEmpty()) throw new IllegalArgumentException("empty micro-batch");
    int b = rows.size(), t = 1;
    boolean packed = false;
    for (ShardRow r : rows) { t = Math.max(t, r.numTokens()); packed |= r.packed(); }
    int n = b * t;
    int[] ids = new int[n], labels = new int[n], attn = new int[n], pos = new int[n];
    int[] seg = packed ? new int[n] : null;
    Arrays.fill(labels, Batch.IGNORE);
    long real = 0;
    for (int i = 0; i < b; i++) {
      ShardRow r = rows.get(i);
      int at = i * t, len = r.numTokens();
      System.arraycopy(r.inputIds(), 0, ids, at, len);
      System.arraycopy(r.labels(), 0, labels, at, len);
      Arrays.fill(attn, at, at + len, 1);
      if (r.packed()) {
        System.arraycopy(r.positionIds(), 0, pos, at, len);
        System.arraycopy(r.segmentIds(), 0, seg, at, len);
      } else {
        for (int p = 0; p < len; p++) pos[at + p] = p;
        if (seg != null) Arrays.fill(seg, at, at + len, 1);
      }
      real += len;
    }
    return new Padded(new Batch(b, t, ids, labels, attn, seg, pos), real, n);
  }
}
