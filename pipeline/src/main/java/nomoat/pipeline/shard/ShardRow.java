package nomoat.pipeline.shard;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;
import nomoat.pipeline.data.TokenizedExample;

/**
 * One training row of a shard: one example, or several packed into one sequence.
 *
 * @param exampleId   the example's id; for a packed row, the ids of its examples joined with ","
 * @param source      the source name; for a packed row, its distinct sources in order joined with ","
 * @param inputIds    token ids
 * @param labels      same length; labels[t] is inputIds[t] where trained, {@link TokenizedExample#IGNORE} elsewhere
 *                    (unshifted: the trainer predicts labels[t] from position t-1)
 * @param segmentIds  null unless packed: 1-based index of the example within the row at each position (0 would
 *                    be padding; the packer does not pad)
 * @param positionIds null unless packed: the position within its example, restarting at 0 for every segment
 */
public record ShardRow(String exampleId, String source, int[] inputIds, int[] labels, int[] segmentIds, int[] positionIds)
    implements Serializable {

  public ShardRow {
    Objects.requireNonNull(exampleId, "exampleId");
    Objects.requireNonNull(source, "source");
    if (inputIds.length != labels.length) {
      throw new IllegalArgumentException("row " + exampleId + ": " + inputIds.length + " input ids but " + labels.length + " labels");
    }
    if ((segmentIds == null) != (positionIds == null)) {
      throw new IllegalArgumentException("row " + exampleId + ": segment ids and position ids come together");
    }
    if (segmentIds != null && (segmentIds.length != inputIds.length || positionIds.length != inputIds.length)) {
      throw new IllegalArgumentException("row " + exampleId + ": segment/position ids must have one entry per token");
    }
  }

  /** An unpacked row holding one example as is. */
  public static ShardRow of(TokenizedExample example) {
    return new ShardRow(example.exampleId(), example.source(), example.inputIds(), example.labels(), null, null);
  }

  public boolean packed() { return segmentIds != null; }

  public int numTokens() { return inputIds.length; }

  public int numTrainedTokens() {
    int n = 0;
    for (int l : labels) if (l != TokenizedExample.IGNORE) n++;
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ShardRow r && exampleId.equals(r.exampleId) && source.equals(r.source)
        && Arrays.equals(inputIds, r.inputIds) && Arrays.equals(labels, r.labels)
        && Arrays.equals(segmentIds, r.segmentIds) && Arrays.equals(positionIds, r.positionIds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(exampleId, source, Arrays.hashCode(inputIds), Arrays.hashCode(labels),
        Arrays.hashCode(segmentIds), Arrays.hashCode(positionIds));
  }

  @Override
  public String toString() {
    return "ShardRow[" + exampleId + " from " + source + ", " + numTokens() + " tokens, " + numTrainedTokens() + " trained"
        + (packed() ? ", packed" : "") + "]";
  }
}
