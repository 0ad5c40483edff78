package nomoat.bench;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** ND4J's own FP32 matrix-multiply throughput (n×n×n into a preallocated result), the roofline for the engine. */
public final class SgemmPeak {
  public record Result(int n, double medianSeconds, double gflopsMedian, double gflopsBest) {}

  private SgemmPeak() {}

  public static Result measure(int n, int warmup, int repeats) {
    Nd4j.getRandom().setSeed(0);
    INDArray a = Nd4j.randn(DataType.FLOAT, n, n), b = Nd4j.randn(DataType.FLOAT, n, n);
    INDArray c = Nd4j.create(DataType.FLOAT, new long[] {n, n}, 'f');
    for (int i = 0; i < warmup; i++) a.mmuli(b, c);
    double[] ts = new double[repeats];
    for (int i = 0; i < repeats; i++) {
      long t0 = System.nanoTime();
      a.mmuli(b, c);
      ts[i] = (System.nanoTime() - t0) / 1e9;
    }
    double flops = 2.0 * n * n * (double) n;
    double median = Stats.median(ts);
    return new Result(n, median, flops / median / 1e9, flops / Arrays.stream(ts).min().orElseThrow() / 1e9);
  }
}
