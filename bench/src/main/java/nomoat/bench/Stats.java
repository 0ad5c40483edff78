package nomoat.bench;

import java.util.Arrays;

/** Summary statistics shared by the benchmarks. */
public final class Stats {
  private Stats() {}

  /** Median as Python's statistics.median (mean of the two middle values for even counts). */
  public static double median(double[] xs) {
    if (xs.length == 0) throw new IllegalArgumentException("median of nothing");
    double[] s = xs.clone();
    Arrays.sort(s);
    int mid = s.length / 2;
    return s.length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  }
}
