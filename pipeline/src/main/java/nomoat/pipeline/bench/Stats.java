package nomoat.pipeline.bench;

import java.util.Arrays;

final class Stats {
  private Stats() {}

  /** Median as Python's statistics.median (mean of the two middle values for even counts). */
  static double median(double[] xs) {
    if (xs.length == 0) throw new IllegalArgumentException("median of nothing");
    double[] s = xs.clone();
    Arrays.sort(s);
    int mid = s.length / 2;
    return s.length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  }
}
