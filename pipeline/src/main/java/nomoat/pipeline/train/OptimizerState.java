package nomoat.pipeline.train;

import nomoat.pipeline.format.Safetensors;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * AdamW's state: the number of completed steps and the first/second moments (m, v) per parameter tensor, in the
 * parameters' data type. Serialises bit-exactly to safetensors bytes ("exp_avg.NAME", "exp_avg_sq.NAME", step in the
 * metadata) so a resumed run continues exactly.
 */
public final class OptimizerState {
  static final String M_PREFIX = "exp_avg.";
  static final String V_PREFIX = "exp_avg_sq.";
  private static final String FORMAT = "nomoat-adamw-1";
  private static final String WHAT = "optimizer-state.safetensors";

  private long step;
  private final Map<String, INDArray> m;
  private final Map<String, INDArray> v;

  private OptimizerState(long step, Map<String, INDArray> m, Map<String, INDArray> v) {
    if (!m.keySet().equals(v.keySet())) throw new IllegalArgumentException("optimiser moments cover different tensors");
    this.step = step;
    this.m = new TreeMap<>(m);
    this.v = new TreeMap<>(v);
  }

  /** Fresh state (step 0, zero moments) shaped like {@code params}. */
  public static OptimizerState zerosLike(Map<String, INDArray> params) {
    Map<String, INDArray> m = new TreeMap<>(), v = new TreeMap<>();
    params.forEach((name, p) -> {
      HostTensors.requireFloatingPoint(name, p);
      m.put(name, Nd4j.zeros(p.dataType(), p.shape()));
      v.put(name, Nd4j.zeros(p.dataType(), p.shape()));
    });
    return new OptimizerState(0, m, v);
  }

  public long step() { return step; }

  void advance() { step++; }

  public INDArray m(String name) { return require(m, name); }

  public INDArray v(String name) { return require(v, name); }

  public java.util.Set<String> names() { return java.util.Collections.unmodifiableSet(m.keySet()); }

  public byte[] toBytes() {
    Map<String, INDArray> all = new TreeMap<>();
    m.forEach((k, t) -> all.put(M_PREFIX + k, t));
    v.forEach((k, t) -> all.put(V_PREFIX + k, t));
    return Safetensors.encode(all, Map.of("format", FORMAT, "step", Long.toString(step)));
  }

  public static OptimizerState fromBytes(byte[] bytes) {
    Safetensors.Contents c = Safetensors.decode(bytes, WHAT);
    if (!FORMAT.equals(c.metadata().get("format")))
      throw new IllegalArgumentException("not a nomoat optimiser state (format " + c.metadata().get("format") + ")");
    Map<String, INDArray> m = new TreeMap<>(), v = new TreeMap<>();
    c.tensors().forEach((k, t) -> {
      if (k.startsWith(M_PREFIX)) m.put(k.substring(M_PREFIX.length()), t);
      else if (k.startsWith(V_PREFIX)) v.put(k.substring(V_PREFIX.length()), t);
      else throw new IllegalArgumentException("unexpected tensor '" + k + "' in optimiser state");
    });
    return new OptimizerState(Long.parseLong(c.metadata().get("step")), m, v);
  }

  public void writeTo(OutputStream out) throws IOException { out.write(toBytes()); }

  public static OptimizerState readFrom(InputStream in) throws IOException { return fromBytes(in.readAllBytes()); }

  private static INDArray require(Map<String, INDArray> map, String name) {
    INDArray t = map.get(name);
    if (t == null) throw new IllegalArgumentException("optimiser state has no tensor '" + name + "'");
    return t;
  }
}
