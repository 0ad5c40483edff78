package nomoat.pipeline.estimate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * <p>With {@code concurrent} > 1 the probe runs that many engines at once in this JVM over the one model, as the tasks of
 * a {@code local[N]} master (or of an executor with several task slots) do: each step starts on all engines together
 * and lasts until the slowest ends, as a train step's compute does. So cores, caches and memory bandwidth are shared
 * as in the run being estimated.
 *
 * @param config        the shape probed (layers may be fewer than the model's)
 * @param threads       engine threads of each probe engine
 * @param secondsPerStep median over the timed steps of the slowest engine's time
 * @param tokensPerStep positions one engine computes per step (rows × row length)
 * @param flops         the probe's FLOPs per token
 * @param concurrent    engines run at once
 * @param firstStepSeconds the slowest engine's first (cold) warm-up step
 */
public record EngineProbe(LlamaConfig config, int threads, double secondsPerStep, long tokensPerStep, TrainingFlops flops, int steps,
                          int concurrent, double firstStepSeconds) {

  public EngineProbe(LlamaConfig config, int threads, double secondsPerStep, long tokensPerStep, TrainingFlops flops, int steps) {
    this(config, threads, secondsPerStep, tokensPerStep, flops, steps, 1, secondsPerStep);
  }

  /** What a fresh JVM's first step costs over a warm one (HotSpot compiling the engine, first allocations); >= 0. */
  public double warmupExtraSeconds() { return Math.max(0, firstStepSeconds - secondsPerStep); }

  static final double WARMUP_SECONDS = 3.0;

  /** One engine's FLOP rate (while {@code concurrent} engines ran). */
  public double flopsPerSecond() { return flops.perToken() * tokensPerStep / secondsPerStep; }

  public double tokensPerSecond() { return tokensPerStep / secondsPerStep; }

  private static final java.util.regex.Pattern LOCAL_N = java.util.regex.Pattern.compile("local\\[(\\*|\\d+)(?:,\\s*\\d+)?]");
  private static final java.util.regex.Pattern LOCAL_CLUSTER = java.util.regex.Pattern.compile("local-cluster\\[\\s*\\d+\\s*,\\s*(\\d+)\\s*,\\s*\\d+\\s*]");

  /**
   * How many training tasks run at once in one JVM under {@code master}: {@code local[N]} runs up to N of the
   * {@code workers} tasks side by side in the driver's JVM ({@code local[*]}: one per processor), {@code local-cluster[W,C,M]}
   * up to C per worker JVM; a real cluster's executors are the estimate's unit (one task of estimate.executor-cores): 1.
   * The probe runs this many engines at once, as the run will.
   */
  public static int enginesAtOnce(String master, int workers, int taskCpus, int processors) {
    String m = master == null ? "" : master.trim();
    int slots;
    java.util.regex.Matcher local = LOCAL_N.matcher(m), cluster = LOCAL_CLUSTER.matcher(m);
    if (local.matches()) slots = local.group(1).equals("*") ? processors : Integer.parseInt(local.group(1));
    else if (cluster.matches()) slots = Integer.parseInt(cluster.group(1));
    else return 1;
    return Math.max(1, Math.min(Math.max(1, workers), slots / Math.max(1, taskCpus)));
  }

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
    return run(shape, spec, rows, rowLength, threads, 1, steps, seed);
  }

  /** As {@link #run(LlamaConfig, LoraSpec, int, int, int, int, long)} with {@code concurrent} engines at once (see the class). */
  public static EngineProbe run(LlamaConfig shape, LoraSpec spec, int rows, int rowLength, int threads, int concurrent, int steps, long seed) {
    if (concurrent < 1) throw new IllegalArgumentException("concurrent engines must be >= 1, got " + concurrent);
    LoraSpec probeSpec = new LoraSpec(spec.r(), spec.alpha(), spec.dropout(), spec.targetModules(), null, spec.useRslora());
    LlamaModel model = new LlamaModel(RandomWeights.llama(shape, seed), EngineOptions.defaults().withThreads(threads));
    double[][] t = new double[concurrent][steps];
    double[] first = new double[concurrent];
    if (concurrent == 1) {
      try {
        engine(model, probeSpec, shape, rows, rowLength, seed, steps, t[0], first, 0, null);
      } catch (InterruptedException | java.util.concurrent.BrokenBarrierException e) {
        throw new IllegalStateException("probe interrupted", e);   // no barrier with one engine
      }
    } else {
      CyclicBarrier together = new CyclicBarrier(concurrent);
      ExecutorService pool = Executors.newFixedThreadPool(concurrent);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int k = 0; k < concurrent; k++) {
          int engine = k;
          fs.add(pool.submit(() -> { engine(model, probeSpec, shape, rows, rowLength, seed + 1000L * engine, steps, t[engine], first, engine, together); return null; }));
        }
        for (Future<?> f : fs) f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("probe interrupted", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("probe failed: " + e.getCause(), e.getCause());
      } finally {
        pool.shutdownNow();
      }
    }
    double[] slowest = new double[steps];
    for (int i = 0; i < steps; i++) for (double[] engine : t) slowest[i] = Math.max(slowest[i], engine[i]);
    return new EngineProbe(shape, threads, median(slowest), (long) rows * rowLength, TrainingFlops.of(shape, probeSpec, rowLength), steps, concurrent,
        Arrays.stream(first).max().orElse(0));
  }

  /** One engine: warm-up, then {@code steps} timed steps into {@code times}; with a barrier, every step starts on all engines together. */
  private static void engine(LlamaModel model, LoraSpec probeSpec, LlamaConfig shape, int rows, int rowLength, long seed, int steps, double[] times,
                             double[] first, int engine, CyclicBarrier together) throws InterruptedException, java.util.concurrent.BrokenBarrierException {
    LoraAdapter adapter = LoraInit.create(probeSpec, shape, seed, DataType.FLOAT);
    Batch batch = randomBatch(shape.vocabSize(), rows, rowLength, seed + 1);
    // warm-up: HotSpot compiles the engine's kernels during the first steps (seconds of compiler time); at least
    // WARMUP_SECONDS or 3 steps, at most 50 steps
    long warmStart = System.nanoTime();
    for (int i = 0; i < 50 && (i < 3 || System.nanoTime() - warmStart < WARMUP_SECONDS * 1e9); i++) {
      long t0 = System.nanoTime();
      ForwardBackward.run(model, List.of(), adapter, batch, seed);
      if (i == 0) first[engine] = (System.nanoTime() - t0) / 1e9;
    }
    for (int i = 0; i < steps; i++) {
      if (together != null) together.await();
      long t0 = System.nanoTime();
      ForwardBackward.run(model, List.of(), adapter, batch, seed + i);
      times[i] = (System.nanoTime() - t0) / 1e9;
    }
  }

  /** Median of a copy of {@code xs}. */
  static double median(double[] xs) {
    double[] t = xs.clone();
    Arrays.sort(t);
    int n = t.length;
    return n % 2 == 1 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
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
