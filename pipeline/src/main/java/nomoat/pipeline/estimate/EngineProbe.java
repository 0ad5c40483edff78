package nomoat.pipeline.estimate;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.Batch;
import nomoat.pipeline.model.EngineOptions;
import nomoat.pipeline.model.ForwardBackward;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.model.RandomWeights;
import nomoat.pipeline.model.LoraInit;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A short measured run of the engine on this machine: random FP32 weights at the model's shape (or, for a model
 * bigger than {@code maxParams}, the same shape with fewer layers: every matrix product keeps its size, so the FLOP
 * rate carries over), a PEFT-initialised adapter, a warm-up (3 s or 3 steps, whichever is longer, at most 50 steps) and {@code steps} timed forward+backward passes over a
 * micro-batch of random tokens. The result is the engine's FLOP rate at this shape.
 *
 * @param config        the shape probed (layers may be fewer than the model's)
 * @param secondsPerStep median of the timed steps
 * @param tokensPerStep positions computed per step (rows × row length)
 * @param flops         the probe's FLOPs per token
 */
public record EngineProbe(LlamaConfig config, int threads, double secondsPerStep, long tokensPerStep, TrainingFlops flops, int steps) {

  static final double WARMUP_SECONDS = 3.0;

  public double flopsPerSecond() { return flops.perToken() * tokensPerStep / secondsPerStep; }

  public double tokensPerSecond() { return tokensPerStep / secondsPerStep; }

  /** The shape to probe: the model's own, or its first layers when its base parameters exceed {@code maxParams}. */
  public static LlamaConfig probeShape(LlamaConfig c, long maxParams) {
    long h = c.hiddenSize(), perLayer = h * c.qDim() + 2 * h * c.kvDim() + c.qDim() * h + 3 * h * c.intermediateSize();
    long fixed = (long) c.vocabSize() * h * (c.tieWordEmbeddings() ? 1 : 2);
    if (fixed + perLayer * c.numLayers() <= maxParams) return c;
    int layers = (int) Math.max(1, Math.min(c.numLayers(), (maxParams - fixed) / perLayer));
    return new LlamaConfig(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), layers, c.numHeads(), c.numKvHeads(), c.headDim(),
        c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.maxPositionEmbeddings(), c.tieWordEmbeddings(), c.attentionBias(),
        c.bosTokenId(), c.eosTokenIds(), c.torchDtype());
  }

  /**
   * @param spec the run's LoRA spec; the probe adapts the same modules with the same r on every probed layer
   * @param rows micro-batch rows; rowLength tokens each
   */
  public static EngineProbe run(LlamaConfig shape, LoraSpec spec, int rows, int rowLength, int threads, int steps, long seed) {
    LoraSpec probeSpec = new LoraSpec(spec.r(), spec.alpha(), spec.dropout(), spec.targetModules(), null, spec.useRslora());
    LlamaModel model = new LlamaModel(RandomWeights.llama(shape, seed), EngineOptions.defaults().withThreads(threads));
    LoraAdapter adapter = LoraInit.create(probeSpec, shape, seed, DataType.FLOAT);
    Batch batch = randomBatch(shape.vocabSize(), rows, rowLength, seed + 1);
    // warm-up: HotSpot compiles the engine's kernels during the first steps (seconds of compiler time); at least
    // WARMUP_SECONDS or 3 steps, at most 50 steps
    long warmStart = System.nanoTime();
    for (int i = 0; i < 50 && (i < 3 || System.nanoTime() - warmStart < WARMUP_SECONDS * 1e9); i++)
      ForwardBackward.run(model, List.of(), adapter, batch, seed);
    double[] t = new double[steps];
    for (int i = 0; i < steps; i++) {
      long t0 = System.nanoTime();
      ForwardBackward.run(model, List.of(), adapter, batch, seed + i);
      t[i] = (System.nanoTime() - t0) / 1e9;
    }
    Arrays.sort(t);
    double median = steps % 2 == 1 ? t[steps / 2] : (t[steps / 2 - 1] + t[steps / 2]) / 2;
    return new EngineProbe(shape, threads, median, (long) rows * rowLength, TrainingFlops.of(shape, probeSpec, rowLength), steps);
  }

  static Batch randomBatch(int vocab, int rows, int len, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<int[]> ids = new java.util.ArrayList<>(), labels = new java.util.ArrayList<>();
    for (int r = 0; r < rows; r++) {
      int[] x = new int[len];
      for (int i = 0; i < len; i++) x[i] = 3 + rnd.nextInt(Math.max(1, vocab - 3));
      ids.add(x);
      labels.add(x.clone());
    }
    return Batch.of(ids, labels, len);
  }
}
