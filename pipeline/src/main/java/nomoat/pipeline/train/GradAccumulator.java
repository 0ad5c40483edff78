package nomoat.pipeline.train;

import nomoat.pipeline.format.Safetensors;
import java.io.Externalizable;
import java.io.IOException;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.io.ObjectStreamException;
import java.io.Serializable;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Sums of per-token-loss gradients, token counts and loss sums over micro-batches and workers. Dividing by the
 * global token count only at the end makes W workers x m micro-batches equal one worker with W*m accumulation.
 * Sums are kept in double (Java arrays, no per-tensor native ops) so the order of additions across workers changes
 * results only at float rounding. Serialisable (as safetensors bytes) for shipping from executors to the driver.
 */
public final class GradAccumulator implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final String FORMAT = "nomoat-grad-sums-1";
  private static final String WHAT = "gradient-sums.safetensors";

  private final Map<String, double[]> gradSums = new TreeMap<>();
  private final Map<String, long[]> shapes = new TreeMap<>();
  private long tokens;
  private double lossSum;
  private int microBatches;

  /**
   * Adds one micro-batch: {@code gradSums} are gradients of the summed (not averaged) token losses, over
   * {@code tokens} trained tokens whose losses sum to {@code lossSum}.
   */
  public void add(Map<String, INDArray> gradSums, long tokens, double lossSum) {
    if (tokens < 0) throw new IllegalArgumentException("token count must be >= 0, got " + tokens);
    gradSums.forEach(this::addTensor);
    this.tokens += tokens;
    this.lossSum += lossSum;
    this.microBatches++;
  }

  /** Adds everything another accumulator holds (the Spark reduce step); returns this. */
  public GradAccumulator merge(GradAccumulator other) {
    other.gradSums.forEach((name, sum) -> addValues(name, other.shapes.get(name), gradSums.containsKey(name) ? sum : sum.clone()));  // never share other's arrays
    tokens += other.tokens;
    lossSum += other.lossSum;
    microBatches += other.microBatches;
    return this;
  }

  private void addTensor(String name, INDArray g) {
    HostTensors.requireFloatingPoint(name, g);
    addValues(name, g.shape(), HostTensors.toDoubles(g));
  }

  private void addValues(String name, long[] shape, double[] values) {
    double[] sum = gradSums.get(name);
    if (sum == null) {
      gradSums.put(name, values);                      // callers pass arrays of their own
      shapes.put(name, shape.clone());
      return;
    }
    if (!java.util.Arrays.equals(shapes.get(name), shape))
      throw new IllegalArgumentException("gradient '" + name + "' changed shape between micro-batches");
    for (int i = 0; i < sum.length; i++) sum[i] += values[i];
  }

  public long tokens() { return tokens; }

  public double lossSum() { return lossSum; }

  public int microBatches() { return microBatches; }

  /** Mean loss per trained token (NaN when no tokens were seen). */
  public double meanLoss() { return tokens == 0 ? Double.NaN : lossSum / tokens; }

  /** Names of the tensors summed so far, sorted. */
  java.util.Set<String> names() { return Collections.unmodifiableSet(gradSums.keySet()); }

  /** The running sum of one tensor (the accumulator's own array: read, do not keep), or null. */
  double[] sumOf(String name) { return gradSums.get(name); }

  long[] shapeOf(String name) { return shapes.get(name); }

  /** The gradient sums as new DOUBLE arrays. */
  public Map<String, INDArray> gradientSums() {
    Map<String, INDArray> out = new TreeMap<>();
    gradSums.forEach((name, s) -> out.put(name, HostTensors.create(s, shapes.get(name), DataType.DOUBLE)));
    return out;
  }

  /** Gradient of the mean token loss: each sum divided by the global token count, as new arrays of {@code type}. */
  public Map<String, INDArray> meanGradients(DataType type) {
    if (tokens == 0) throw new IllegalStateException("no trained tokens were accumulated; cannot average gradients");
    Map<String, INDArray> out = new TreeMap<>();
    gradSums.forEach((name, s) -> {
      double[] mean = new double[s.length];
      for (int i = 0; i < s.length; i++) mean[i] = s[i] / tokens;
      out.put(name, HostTensors.create(mean, shapes.get(name), type));
    });
    return out;
  }

  /** The wire form: safetensors written straight from the double sums (F32 where exact, see {@link Safetensors#encodeHost}). */
  public byte[] toBytes() {
    return Safetensors.encodeHost(gradSums, shapes, wireMetadata());
  }

  public static GradAccumulator fromBytes(byte[] bytes) {
    return fromWire(Safetensors.decodeHost(bytes, WHAT));
  }

  private Map<String, String> wireMetadata() {
    return Map.of("format", FORMAT, "tokens", Long.toString(tokens), "loss_sum", Long.toHexString(Double.doubleToRawLongBits(lossSum)),
        "micro_batches", Integer.toString(microBatches));
  }

  private static GradAccumulator fromWire(Safetensors.HostContents c) {
    if (!FORMAT.equals(c.metadata().get("format")))
      throw new IllegalArgumentException("not nomoat gradient sums (format " + c.metadata().get("format") + ")");
    GradAccumulator acc = new GradAccumulator();
    c.values().forEach((name, v) -> acc.addValues(name, c.shapes().get(name), v));    // fresh arrays, owned from here
    acc.tokens = Long.parseLong(c.metadata().get("tokens"));
    acc.lossSum = Double.longBitsToDouble(Long.parseUnsignedLong(c.metadata().get("loss_sum"), 16));
    acc.microBatches = Integer.parseInt(c.metadata().get("micro_batches"));
    return acc;
  }

  private Object writeReplace() throws ObjectStreamException { return new Wire(this); }

  private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
    throw new java.io.InvalidObjectException("GradAccumulator is serialised through its wire form");
  }

  /**
   * Java-serialisation form: the {@link #toBytes} bytes streamed straight into and out of the serialisation stream, so a
   * task's result holds no whole-blob copy of its own (Spark's result buffers already hold one).
   */
  private static final class Wire implements Externalizable {
    private static final long serialVersionUID = 2L;
    private GradAccumulator acc;

    public Wire() {}                                     // for Externalizable

    Wire(GradAccumulator acc) { this.acc = acc; }

    @Override
    public void writeExternal(ObjectOutput out) throws IOException {
      Safetensors.writeHost(ObjectStreams.output(out), acc.gradSums, acc.shapes, acc.wireMetadata());
    }

    @Override
    public void readExternal(ObjectInput in) {
      acc = fromWire(Safetensors.readHost(ObjectStreams.input(in), WHAT));
    }

    private Object readResolve() { return acc; }
  }
}
