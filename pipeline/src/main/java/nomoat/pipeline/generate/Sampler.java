package nomoat.pipeline.generate;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** Picks the next token from a logits vector (HF order: temperature, top-k, top-p). */
public final class Sampler {
  private final GenerationConfig cfg;
  private final SplittableRandom rnd;

  public Sampler(GenerationConfig cfg) {
    this.cfg = cfg;
    this.rnd = new SplittableRandom(cfg.seed());
  }

  public int next(double[] logits) {
    if (cfg.isGreedy()) return argmax(logits);
    int v = logits.length;
    Integer[] order = IntStream.range(0, v).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -logits[i]).thenComparingInt(i -> i));
    int keep = cfg.topK() > 0 ? Math.min(cfg.topK(), v) : v;
    double max = logits[order[0]];
    double[] p = new double[keep];
    double sum = 0;
    for (int i = 0; i < keep; i++) sum += p[i] = Math.exp((logits[order[i]] - max) / cfg.temperature());
    if (cfg.topP() < 1.0) {
      // keep the smallest prefix whose probability mass reaches topP (at least one token)
      double cum = 0;
      int n = 0;
      while (n < keep) {
        cum += p[n] / sum;
        n++;
        if (cum >= cfg.topP()) break;
      }
      keep = n;
      sum = 0;
      for (int i = 0; i < keep; i++) sum += p[i];
    }
    double u = rnd.nextDouble() * sum, acc = 0;
    for (int i = 0; i < keep; i++) {
      acc += p[i];
      if (u < acc) return order[i];
    }
    return order[keep - 1];
  }

  /** First index of the largest value. */
  public static int argmax(double[] x) {
    int best = 0;
    for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
    return best;
  }
}
