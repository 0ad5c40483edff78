package nomoat.pipeline.data;

import nomoat.pipeline.tokenize.Encoded;

/**
 * Marks a token trained iff its character span overlaps a trained character interval of the rendered text.
 * Deciding by offsets, not by re-tokenizing pieces, keeps the mask exact where a token straddles a boundary
 * (e.g. Llama's "▁Sure" takes the space after "[/INST]"): such a token is trained.
 */
final class LossMask {
  private LossMask() {}

  /**
   * @param intervals trained [start, end) pairs, sorted and disjoint, flattened: s0, e0, s1, e1, ...
   * @param count     number of pairs used in {@code intervals}
   */
  static boolean[] of(Encoded encoded, int[] intervals, int count) {
    boolean[] trained = new boolean[encoded.size()];
    for (int t = 0; t < trained.length; t++) {
      int s = encoded.starts()[t];
      if (s < 0) continue; // post-processor tokens have no text
      int e = Math.max(encoded.ends()[t], s + 1); // a zero-width token sits at s
      trained[t] = overlaps(intervals, count, s, e);
    }
    return trained;
  }

  private static boolean overlaps(int[] iv, int count, int s, int e) {
    int lo = 0, hi = count - 1;
    while (lo <= hi) { // first interval whose end > s
      int mid = (lo + hi) >>> 1;
      if (iv[2 * mid + 1] > s) hi = mid - 1; else lo = mid + 1;
    }
    return lo < count && iv[2 * lo] < e;
  }
}
