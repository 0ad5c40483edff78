package nomoat.pipeline.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.lora.LoraAdapter;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The driver's half of a step: gradient sums (from this JVM or reduced from workers) divided by the global trained-token
 * count, clipped, and applied by AdamW with the scheduled learning rate. Updates the adapter in place. Needs no model,
 * so a Spark driver can run it without loading one.
 *
 * <p>For FLOAT adapters (the usual case) the three passes run over Java float arrays kept from step to step: the mean
 * gradient is written once into a reused per-tensor buffer while the global norm is summed, clipping scales it in place,
 * and AdamW reads parameters and moments in chunks, one bulk copy each into reused scratch, and writes them back the same
 * way; chunks are spread over a few threads (the driver's cores are idle while it updates). Every element goes through the same double operations in the same order as {@link GradAccumulator#meanGradients},
 * {@link GradClipping} and {@link AdamW#step}, so results are bitwise theirs (AdapterOptimizerTest); other data types
 * take that path itself.
 */
public final class AdapterOptimizer {
  private final LoraAdapter adapter;
  private final Map<String, INDArray> params;
  private final OptimizerState state;
  private final LocalTrainer.Settings settings;
  /** Mean (then clipped) gradient per tensor, reused every step; allocated on the first float step. */
  private Map<String, float[]> grads;
  /** Pieces of at most {@link #chunkSize} elements of the tensors, the unit of AdamW's parallel pass. */
  private List<Chunk> chunks;
  /** Per AdamW thread: scratch for one chunk's parameters, first and second moments. */
  private float[][][] scratch;
  private final int chunkSize, maxThreads;

  private record Chunk(String name, int from, int n) {}

  public AdapterOptimizer(LoraAdapter adapter, OptimizerState state, LocalTrainer.Settings settings) {
    this(adapter, state, settings, 1 << 16, Math.min(4, Runtime.getRuntime().availableProcessors()));
  }

  /** With AdamW's pass split into chunks of {@code chunkSize} elements over up to {@code maxThreads} threads. */
  AdapterOptimizer(LoraAdapter adapter, OptimizerState state, LocalTrainer.Settings settings, int chunkSize, int maxThreads) {
    if (chunkSize < 1 || maxThreads < 1) throw new IllegalArgumentException("chunk size and threads must be >= 1");
    this.chunkSize = chunkSize;
    this.maxThreads = maxThreads;
    this.adapter = adapter;
    this.params = AdapterParams.of(adapter);
    this.state = state;
    this.settings = settings;
    if (params.isEmpty()) throw new IllegalArgumentException("the adapter has no trainable tensors (no module matched)");
    if (!params.keySet().equals(state.names()))
      throw new IllegalArgumentException("optimiser state does not match the adapter's tensors");
  }

  /** Average, clip, AdamW; a step whose gradient norm is not finite leaves parameters and state unchanged. */
  public LocalTrainer.StepMetrics apply(GradAccumulator acc) {
    long step = state.step();
    double lr = settings.schedule().lr(step);
    if (acc.tokens() == 0) return new LocalTrainer.StepMetrics(step, Double.NaN, 0, lr, 0, true);
    if (!allPackedFloat()) return applyTensors(acc, step, lr);
    if (!params.keySet().equals(acc.names()))
      throw new IllegalArgumentException("parameters, gradients and optimiser state name different tensors: "
          + params.keySet() + " / " + acc.names() + " / " + state.names());
    if (grads == null) allocate();
    // mean gradient (rounded to float, as the parameters' type) and the global norm over it, in one pass
    long tokens = acc.tokens();
    double sumSq = 0;
    for (Map.Entry<String, float[]> e : grads.entrySet()) {
      String name = e.getKey();
      if (!java.util.Arrays.equals(params.get(name).shape(), acc.shapeOf(name)))
        throw new IllegalArgumentException("gradient of '" + name + "' has the wrong shape");
      double[] s = acc.sumOf(name);
      float[] g = e.getValue();
      for (int i = 0; i < s.length; i++) {
        float gi = (float) (s[i] / tokens);
        g[i] = gi;
        sumSq += (double) gi * gi;
      }
    }
    double norm = Math.sqrt(sumSq);
    if (!Double.isFinite(norm)) return new LocalTrainer.StepMetrics(step, acc.meanLoss(), norm, lr, acc.tokens(), true);
    double maxNorm = settings.maxGradNorm();
    if (maxNorm > 0) {
      double coef = maxNorm / (norm + 1e-6);                       // torch's clip_grad_norm_, as GradClipping
      if (coef < 1.0)
        for (float[] g : grads.values())
          for (int i = 0; i < g.length; i++) g[i] = (float) (g[i] * coef);
    }
    long t = state.step() + 1;
    // AdamW touches each element alone, so chunks of tensors can be updated in parallel without changing a bit
    int threads = scratch.length;
    java.util.stream.IntStream.range(0, threads).parallel().forEach(k -> {
      float[][] s = scratch[k];
      for (int c = k; c < chunks.size(); c += threads) {
        Chunk ch = chunks.get(c);
        INDArray pT = params.get(ch.name), mT = state.m(ch.name), vT = state.v(ch.name);
        HostTensors.readFloats(pT, ch.from, s[0], ch.n);
        HostTensors.readFloats(mT, ch.from, s[1], ch.n);
        HostTensors.readFloats(vT, ch.from, s[2], ch.n);
        settings.adamW().update(s[0], grads.get(ch.name), ch.from, s[1], s[2], ch.n, lr, t);
        HostTensors.writeFloats(pT, ch.from, s[0], ch.n);
        HostTensors.writeFloats(mT, ch.from, s[1], ch.n);
        HostTensors.writeFloats(vT, ch.from, s[2], ch.n);
      }
    });
    state.advance();
    return new LocalTrainer.StepMetrics(step, acc.meanLoss(), norm, lr, acc.tokens(), false);
  }

  /** The general path (any floating-point type, views): ND4J tensors through meanGradients, GradClipping and AdamW.step. */
  private LocalTrainer.StepMetrics applyTensors(GradAccumulator acc, long step, double lr) {
    Map<String, INDArray> g = acc.meanGradients(params.values().iterator().next().dataType());
    double norm = settings.maxGradNorm() > 0
        ? GradClipping.clipByGlobalNorm(g, settings.maxGradNorm()) : GradClipping.globalNorm(g);
    if (!Double.isFinite(norm)) return new LocalTrainer.StepMetrics(step, acc.meanLoss(), norm, lr, acc.tokens(), true);
    settings.adamW().step(params, g, state, lr);
    return new LocalTrainer.StepMetrics(step, acc.meanLoss(), norm, lr, acc.tokens(), false);
  }

  private boolean allPackedFloat() {
    for (Map.Entry<String, INDArray> e : params.entrySet())
      if (!HostTensors.packedFloat(e.getValue()) || !HostTensors.packedFloat(state.m(e.getKey())) || !HostTensors.packedFloat(state.v(e.getKey())))
        return false;
    return true;
  }

  private void allocate() {
    grads = new TreeMap<>();
    chunks = new ArrayList<>();
    int max = 0;
    for (Map.Entry<String, INDArray> e : params.entrySet()) {
      int n = Math.toIntExact(e.getValue().length());
      grads.put(e.getKey(), new float[n]);
      for (int from = 0; from < n; from += chunkSize) {
        int len = Math.min(chunkSize, n - from);
        chunks.add(new Chunk(e.getKey(), from, len));
        max = Math.max(max, len);
      }
    }
    scratch = new float[Math.max(1, Math.min(maxThreads, chunks.size()))][3][max];
  }

  public LoraAdapter adapter() { return adapter; }

  public OptimizerState state() { return state; }

  public LocalTrainer.Settings settings() { return settings; }
}
