package nomoat.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The driver's update over reused float buffers must be bitwise the update it replaced: a copy of that implementation
 * (ND4J tensors through fresh double[] per tensor per pass: meanGradients, clip_grad_norm_, AdamW.step) is kept below
 * as {@link Reference} and both run side by side on random adapters and gradients for several steps.
 */
class AdapterOptimizerTest {

  /**
   * maxGradNorm: 0 = no clipping; 0.05 = clipping on every step; 1e6 = a norm computed but never clipping. chunk, threads:
   * AdamW's pass split into chunks that end inside tensors, over several threads, or one chunk per tensor on one thread.
   */
  @ParameterizedTest
  @CsvSource({"0.0, 65536, 4", "0.05, 65536, 4", "1e6, 65536, 4", "0.05, 7, 3", "0.0, 100, 1"})
  void floatPathIsBitwiseTheReferenceImplementation(double maxGradNorm, int chunk, int threads) {
    SplittableRandom rnd = new SplittableRandom(7 + (long) (maxGradNorm * 1000));
    LoraAdapter fast = randomAdapter(rnd), slow = copy(fast);
    LocalTrainer.Settings settings = new LocalTrainer.Settings(new AdamW(0.9, 0.95, 1e-8, 0.01),
        new LrSchedule(LrSchedule.Kind.COSINE, 2e-2, 2, 8), maxGradNorm, 42);
    AdapterOptimizer opt = new AdapterOptimizer(fast, OptimizerState.zerosLike(AdapterParams.of(fast)), settings, chunk, threads);
    Map<String, INDArray> slowParams = AdapterParams.of(slow);
    OptimizerState slowState = OptimizerState.zerosLike(slowParams);
    int clipped = 0;
    for (int s = 0; s < 6; s++) {
      GradAccumulator acc = randomSums(rnd, slowParams, 3);
      LocalTrainer.StepMetrics got = opt.apply(acc);
      double[] want = Reference.apply(slowParams, slowState, settings, acc);
      assertEquals(Double.doubleToRawLongBits(want[0]), Double.doubleToRawLongBits(got.gradNorm()), "grad norm, step " + s);
      assertEquals(want[1], got.lr());
      assertFalse(got.skipped());
      if (maxGradNorm > 0 && got.gradNorm() + 1e-6 > maxGradNorm) clipped++;
      assertBitwise(slowParams, AdapterParams.of(fast), "parameters after step " + s);
      for (String name : slowParams.keySet()) {
        assertBitwise(slowState.m(name), opt.state().m(name), "exp_avg " + name);
        assertBitwise(slowState.v(name), opt.state().v(name), "exp_avg_sq " + name);
      }
      assertEquals(slowState.step(), opt.state().step());
    }
    if (maxGradNorm == 0.05) assertEquals(6, clipped, "every step should have clipped");
    if (maxGradNorm == 1e6) assertEquals(0, clipped);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 1.0})
  void aNonFiniteGradientSkipsTheStepAndChangesNothing(double maxGradNorm) {
    SplittableRandom rnd = new SplittableRandom(3);
    LoraAdapter a = randomAdapter(rnd);
    AdapterOptimizer opt = new AdapterOptimizer(a, OptimizerState.zerosLike(AdapterParams.of(a)),
        new LocalTrainer.Settings(AdamW.withWeightDecay(0.01), new LrSchedule(LrSchedule.Kind.CONSTANT, 1e-2, 0, 4), maxGradNorm, 1));
    opt.apply(randomSums(rnd, AdapterParams.of(a), 1));
    LoraAdapter before = copy(a);
    Map<String, INDArray> g = new TreeMap<>();
    AdapterParams.of(a).forEach((n, t) -> g.put(n, Nd4j.rand(DataType.FLOAT, t.shape())));
    g.values().iterator().next().putScalar(0, Float.NaN);
    GradAccumulator acc = new GradAccumulator();
    acc.add(g, 5, 1.0);
    LocalTrainer.StepMetrics m = opt.apply(acc);
    assertTrue(m.skipped());
    assertTrue(Double.isNaN(m.gradNorm()));
    assertEquals(1, opt.state().step());
    assertBitwise(AdapterParams.of(before), AdapterParams.of(a), "parameters after a skipped step");
  }

  // ------------------------------------------------------------------------------------------------------------------

  private static LoraAdapter randomAdapter(SplittableRandom rnd) {
    Map<String, INDArray> a = new TreeMap<>(), b = new TreeMap<>();
    int[][] shapes = {{8, 48}, {8, 33}, {4, 17}};                     // odd sizes: no length is a multiple of anything
    for (int k = 0; k < shapes.length; k++) {
      int r = shapes[k][0], d = shapes[k][1];
      a.put("layers." + k + ".q_proj", random(rnd, r, d, 1.0));
      b.put("layers." + k + ".q_proj", random(rnd, d + k, r, 0.1));
    }
    return new LoraAdapter(new LoraSpec(8, 16, 0.0, Set.of("q_proj"), null, false), a, b);
  }

  private static INDArray random(SplittableRandom rnd, int rows, int cols, double scale) {
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) v[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
    return Nd4j.create(v, new long[] {rows, cols}, 'c');
  }

  private static LoraAdapter copy(LoraAdapter x) {
    Map<String, INDArray> a = new TreeMap<>(), b = new TreeMap<>();
    x.a().forEach((k, t) -> a.put(k, t.dup('c')));
    x.b().forEach((k, t) -> b.put(k, t.dup('c')));
    return new LoraAdapter(x.spec(), a, b);
  }

  /** Sums over micro-batches of random float gradients (double sums that are not floats), with a token count. */
  private static GradAccumulator randomSums(SplittableRandom rnd, Map<String, INDArray> like, int microBatches) {
    GradAccumulator acc = new GradAccumulator();
    for (int k = 0; k < microBatches; k++) {
      Map<String, INDArray> g = new TreeMap<>();
      like.forEach((n, t) -> g.put(n, random(rnd, (int) t.size(0), (int) t.size(1), 3.0)));
      acc.add(g, 37 + rnd.nextInt(50), 100 * rnd.nextDouble());
    }
    return acc;
  }

  private static void assertBitwise(Map<String, INDArray> want, Map<String, INDArray> got, String what) {
    assertEquals(want.keySet(), got.keySet(), what);
    for (String k : want.keySet()) assertBitwise(want.get(k), got.get(k), what + " " + k);
  }

  private static void assertBitwise(INDArray want, INDArray got, String what) {
    assertEquals(DataType.FLOAT, got.dataType(), what);
    assertArrayEquals(want.shape(), got.shape(), what);
    float[] w = want.dup('c').data().asFloat(), g = got.dup('c').data().asFloat();
    for (int i = 0; i < w.length; i++)
      assertEquals(Float.floatToRawIntBits(w[i]), Float.floatToRawIntBits(g[i]), what + " element " + i + ": " + w[i] + " vs " + g[i]);
  }

  /**
   * The driver update as it was before the float path (commit 230e82a): GradAccumulator.meanGradients, GradClipping
   * and AdamW.step over HostTensors' double[] copies, verbatim apart from being gathered here (FLOAT tensors only).
   */
  static final class Reference {
    /** Returns {grad norm, lr}; updates params and state in place. */
    static double[] apply(Map<String, INDArray> params, OptimizerState state, LocalTrainer.Settings settings, GradAccumulator acc) {
      double lr = settings.schedule().lr(state.step());
      Map<String, INDArray> grads = meanGradients(acc, params.values().iterator().next().dataType());
      double norm = settings.maxGradNorm() > 0 ? clipByGlobalNorm(grads, settings.maxGradNorm()) : globalNorm(grads);
      if (Double.isFinite(norm)) step(settings.adamW(), params, grads, state, lr);
      return new double[] {norm, lr};
    }

    static Map<String, INDArray> meanGradients(GradAccumulator acc, DataType type) {
      long tokens = acc.tokens();
      Map<String, INDArray> out = new TreeMap<>();
      acc.gradientSums().forEach((name, sumT) -> {
        double[] s = sumT.data().asDouble();
        double[] mean = new double[s.length];
        for (int i = 0; i < s.length; i++) mean[i] = s[i] / tokens;
        out.put(name, create(mean, sumT.shape(), type));
      });
      return out;
    }

    static double globalNorm(Map<String, INDArray> grads) {
      double sumSq = 0;
      for (INDArray g : grads.values())
        for (double v : toDoubles(g)) sumSq += v * v;
      return Math.sqrt(sumSq);
    }

    static double clipByGlobalNorm(Map<String, INDArray> grads, double maxNorm) {
      double norm = globalNorm(grads);
      if (!Double.isFinite(norm)) return norm;
      double coef = maxNorm / (norm + 1e-6);
      if (coef < 1.0)
        for (INDArray g : grads.values()) {
          double[] v = toDoubles(g);
          for (int i = 0; i < v.length; i++) v[i] *= coef;
          assign(g, v);
        }
      return norm;
    }

    static void step(AdamW o, Map<String, INDArray> params, Map<String, INDArray> grads, OptimizerState state, double lr) {
      long t = state.step() + 1;
      double bc1 = 1 - Math.pow(o.beta1(), t);
      double bc2Sqrt = Math.sqrt(1 - Math.pow(o.beta2(), t));
      double stepSize = lr / bc1;
      for (Map.Entry<String, INDArray> e : params.entrySet()) {
        String name = e.getKey();
        INDArray pT = e.getValue(), gT = grads.get(name), mT = state.m(name), vT = state.v(name);
        double[] p = toDoubles(pT), g = toDoubles(gT);
        double[] m = toDoubles(mT), v = toDoubles(vT);
        for (int i = 0; i < p.length; i++) {
          p[i] *= 1 - lr * o.weightDecay();
          m[i] = lerp(m[i], g[i], 1 - o.beta1());
          v[i] = v[i] * o.beta2() + (1 - o.beta2()) * g[i] * g[i];
          double denom = Math.sqrt(v[i]) / bc2Sqrt + o.eps();
          p[i] = p[i] + -stepSize * (m[i] / denom);
        }
        assign(pT, p);
        assign(mT, m);
        assign(vT, v);
      }
      state.advance();
    }

    private static double lerp(double start, double end, double w) {
      return w < 0.5 ? start + w * (end - start) : end - (end - start) * (1 - w);
    }

    private static double[] toDoubles(INDArray a) {
      float[] f = a.dup('c').data().asFloat();
      double[] out = new double[f.length];
      for (int i = 0; i < f.length; i++) out[i] = f[i];
      return out;
    }

    private static void assign(INDArray target, double[] values) {
      float[] f = new float[values.length];
      for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
      target.assign(Nd4j.create(f, target.shape(), 'c'));
    }

    private static INDArray create(double[] values, long[] shape, DataType type) {
      float[] f = new float[values.length];
      for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
      return Nd4j.create(f, shape, 'c');
    }
  }
}
