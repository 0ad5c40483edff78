package nomoat.pipeline.model;

import java.util.Arrays;
import java.util.List;

/**
 * One micro-batch, row-major [B, T] arrays flattened to length B*T.
 *
 * @param labels        unshifted: labels[t] is the token trained at position t (predicted from t-1), or -100
 * @param attentionMask 1 = real token, 0 = padding (never attended to); null = all real
 * @param segmentIds    packed rows: tokens attend only within their segment; null = one segment per row.
 *                      A label whose predecessor is in another segment is not trained.
 * @param positionIds   rotary positions; null = 0..T-1, restarting at every segment start when segments are given
 */
public record Batch(int batchSize, int seqLen, int[] inputIds, int[] labels, int[] attentionMask, int[] segmentIds,
                    int[] positionIds) {

  /** A label that is not trained (PyTorch's ignore_index; the data pipeline writes the same value). */
  public static final int IGNORE = -100;

  public Batch {
    int n = batchSize * seqLen;
    if (batchSize <= 0 || seqLen <= 0) throw new IllegalArgumentException("empty batch");
    check("inputIds", inputIds, n, false);
    check("labels", labels, n, false);
    check("attentionMask", attentionMask, n, true);
    check("segmentIds", segmentIds, n, true);
    check("positionIds", positionIds, n, true);
    if (positionIds == null) positionIds = defaultPositions(batchSize, seqLen, segmentIds);
    for (int p : positionIds) if (p < 0) throw new IllegalArgumentException("position ids must be >= 0, got " + p);
  }

  private static void check(String name, int[] a, int n, boolean optional) {
    if (a == null && optional) return;
    if (a == null || a.length != n) throw new IllegalArgumentException(name + " must have batchSize*seqLen = " + n + " entries");
  }

  private static int[] defaultPositions(int b, int t, int[] seg) {
    int[] pos = new int[b * t];
    for (int r = 0; r < b; r++)
      for (int i = 0, p = 0; i < t; i++, p++) {
        int at = r * t + i;
        if (seg != null && i > 0 && seg[at] != seg[at - 1]) p = 0;
        pos[at] = p;
      }
    return pos;
  }

  public int numTokens() { return batchSize * seqLen; }

  /** Rows [from, to) as a batch of their own. */
  public Batch rows(int from, int to) {
    if (from < 0 || to > batchSize || from >= to) throw new IllegalArgumentException("rows [" + from + ", " + to + ") of " + batchSize);
    int a = from * seqLen, b = to * seqLen;
    return new Batch(to - from, seqLen, Arrays.copyOfRange(inputIds, a, b), Arrays.copyOfRange(labels, a, b),
        attentionMask == null ? null : Arrays.copyOfRange(attentionMask, a, b),
        segmentIds == null ? null : Arrays.copyOfRange(segmentIds, a, b), Arrays.copyOfRange(positionIds, a, b));
  }

  /**
   * Sequences right-padded (pad id 0, label -100, attention 0) to seqLen, one per row: row r is inputIds.get(r)
   * with labels.get(r) (unshifted, same length).
   */
  public static Batch of(List<int[]> inputIds, List<int[]> labels, int seqLen) {
    int b = inputIds.size();
    int[] ids = new int[b * seqLen], lab = new int[b * seqLen], attn = new int[b * seqLen];
    Arrays.fill(lab, IGNORE);
    for (int r = 0; r < b; r++) {
      int n = length(inputIds.get(r), labels.get(r), r);
      if (n > seqLen) throw new IllegalArgumentException("row " + r + " has " + n + " tokens > seqLen " + seqLen);
      System.arraycopy(inputIds.get(r), 0, ids, r * seqLen, n);
      System.arraycopy(labels.get(r), 0, lab, r * seqLen, n);
      Arrays.fill(attn, r * seqLen, r * seqLen + n, 1);
    }
    return new Batch(b, seqLen, ids, lab, attn, null, null);
  }

  /**
   * Each row packs several sequences back to back (segments 1, 2, ...), then pads (segment 0, attention 0): row r
   * holds inputIds.get(r).get(i) with labels.get(r).get(i) for each i.
   */
  public static Batch packed(List<List<int[]>> inputIds, List<List<int[]>> labels, int seqLen) {
    int b = inputIds.size();
    int[] ids = new int[b * seqLen], lab = new int[b * seqLen], attn = new int[b * seqLen], seg = new int[b * seqLen];
    Arrays.fill(lab, IGNORE);
    for (int r = 0; r < b; r++) {
      int at = r * seqLen, segment = 0;
      for (int i = 0; i < inputIds.get(r).size(); i++) {
        int[] seqIds = inputIds.get(r).get(i), seqLabels = labels.get(r).get(i);
        int n = length(seqIds, seqLabels, r);
        if (at + n > (r + 1) * seqLen) throw new IllegalArgumentException("row " + r + " holds more than seqLen " + seqLen + " tokens");
        System.arraycopy(seqIds, 0, ids, at, n);
        System.arraycopy(seqLabels, 0, lab, at, n);
        Arrays.fill(attn, at, at + n, 1);
        Arrays.fill(seg, at, at + n, ++segment);
        at += n;
      }
    }
    return new Batch(b, seqLen, ids, lab, attn, seg, null);
  }

  private static int length(int[] ids, int[] labels, int row) {
    if (ids.length != labels.length) throw new IllegalArgumentException("row " + row + ": " + ids.length + " input ids but " + labels.length + " labels");
    return ids.length;
  }

  /** Flat indices p (row-major) whose next token is trained: labels[p+1] set, same row and same segment. */
  int[] lossRows() {
    int[] out = new int[numTokens()];
    int m = 0;
    for (int r = 0; r < batchSize; r++)
      for (int i = 0; i + 1 < seqLen; i++) {
        int p = r * seqLen + i;
        if (labels[p + 1] == IGNORE) continue;
        if (segmentIds != null && segmentIds[p] != segmentIds[p + 1]) continue;
        if (attentionMask != null && (attentionMask[p] == 0 || attentionMask[p + 1] == 0)) continue;
        out[m++] = p;
      }
    return Arrays.copyOf(out, m);
  }

  /** The trained token after each of the given loss rows; fails on a label outside the vocabulary. */
  int[] targets(int[] rows, int vocabSize) {
    int[] t = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      t[i] = labels[rows[i] + 1];
      if (t[i] < 0 || t[i] >= vocabSize)
        throw new IllegalArgumentException("label " + t[i] + " at position " + (rows[i] + 1) + " is outside the vocabulary of " + vocabSize + " (use " + IGNORE + " to skip a token)");
    }
    return t;
  }

  /** Number of tokens trained in this batch (the divisor of the mean loss). */
  public int trainedTokens() { return lossRows().length; }

  /** Whether key position tk may be seen from query position tq of row r. */
  boolean attends(int r, int tq, int tk) {
    if (tk > tq) return false;
    int q = r * seqLen + tq, k = r * seqLen + tk;
    if (attentionMask != null && attentionMask[k] == 0) return false;
    return segmentIds == null || segmentIds[q] == segmentIds[k];
  }
}
