package nomoat.pipeline.model;

import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model's frozen weights under Hugging Face names and layouts ("model.layers.0.self_attn.q_proj.weight" is
 * [out, in], "model.embed_tokens.weight" is [vocab, hidden]), each a {@link FrozenMatrix}: FP32 (or DOUBLE in tests)
 * arrays, or matrices kept in their stored precision ({@link WeightStorage}). Every loader converts into this form
 * (GGUF q/k rows are un-interleaved to HF's rotate_half order on load). Immutable.
 */
public final class LlamaWeights {
  private final LlamaConfig config;
  private final Map<String, FrozenMatrix> stored;

  /** Weights held as the given arrays (FP32 or DOUBLE). */
  public LlamaWeights(LlamaConfig config, Map<String, INDArray> tensors) {
    this.config = config;
    this.stored = new TreeMap<>();
    tensors.forEach((k, v) -> stored.put(k, FrozenMatrix.dense(v)));
  }

  private LlamaWeights(LlamaConfig config, Map<String, FrozenMatrix> stored, Void held) {
    this.config = config;
    this.stored = new TreeMap<>(stored);
  }

  /** Weights held as the given matrices (any format). */
  public static LlamaWeights ofStored(LlamaConfig config, Map<String, FrozenMatrix> tensors) {
    return new LlamaWeights(config, tensors, (Void) null);
  }

  public LlamaConfig config() { return config; }

  /** The tensor in the compute type: the array itself when held dense, else an FP32 copy widened from storage. */
  public INDArray get(String name) {
    return stored(name).toDense();
  }

  /** The tensor as it is held. */
  public FrozenMatrix stored(String name) {
    FrozenMatrix t = stored.get(name);
    if (t == null) throw new IllegalArgumentException("missing tensor '" + name + "'");
    return t;
  }

  /** Every tensor as {@link #get} gives it (narrow ones are widened: a full FP32 copy; for export and tests). */
  public Map<String, INDArray> tensors() {
    Map<String, INDArray> m = new TreeMap<>();
    stored.forEach((k, v) -> m.put(k, v.toDense()));
    return m;
  }

  /** Every tensor as it is held. */
  public Map<String, FrozenMatrix> storedTensors() { return java.util.Collections.unmodifiableMap(stored); }

  public boolean has(String name) { return stored.containsKey(name); }

  /** Bytes the tensors take as held. */
  public long storedBytes() {
    long n = 0;
    for (FrozenMatrix t : stored.values()) n += t.storedBytes();
    return n;
  }

  /**
   * These weights with their matrices in another precision: STORED is this; FLOAT32 widens every narrow matrix; BFLOAT16
   * and FLOAT16 round every matrix not already in that format (norms stay as they are). Only FLOAT models narrow.
   */
  public LlamaWeights as(WeightStorage storage) {
    if (storage == WeightStorage.STORED) return this;
    Map<String, FrozenMatrix> out = new TreeMap<>();
    String want = storage == WeightStorage.FLOAT32 ? "float32" : storage.configName();
    for (Map.Entry<String, FrozenMatrix> e : stored.entrySet()) {
      FrozenMatrix t = e.getValue();
      boolean keep = t.format().equals(want)
          || (t instanceof FrozenMatrix.Dense d && (d.a.rank() != 2 || storage == WeightStorage.FLOAT32));   // norms; FP32/DOUBLE arrays
      if (keep) out.put(e.getKey(), t);
      else if (t.format().equals("float64"))
        throw new IllegalArgumentException("weights dtype " + storage.configName() + " needs a FLOAT model; tensor " + e.getKey() + " is DOUBLE");
      else if (storage == WeightStorage.FLOAT32) out.put(e.getKey(), FrozenMatrix.dense(t.toDense()));
      else out.put(e.getKey(), FrozenMatrix.roundedToHalf(t.toDense(), storage == WeightStorage.BFLOAT16));
    }
    return ofStored(config, out);
  }

  /**
   * These weights as llama.cpp's Q8_0 files hold them: every matrix (projections, embedding, LM head) quantised to Q8_0
   * blocks ({@link FrozenMatrix#quantizedQ8_0}), the norms kept FP32. Only FLOAT models.
   */
  public LlamaWeights quantizedQ8_0() {
    Map<String, FrozenMatrix> out = new TreeMap<>();
    for (Map.Entry<String, FrozenMatrix> e : stored.entrySet()) {
      FrozenMatrix t = e.getValue();
      if (t.format().equals("float64"))
        throw new IllegalArgumentException("Q8_0 quantisation needs a FLOAT model; tensor " + e.getKey() + " is DOUBLE");
      boolean matrix = !(t instanceof FrozenMatrix.Dense d) || d.a.rank() == 2;
      out.put(e.getKey(), matrix ? FrozenMatrix.quantizedQ8_0(t.toDense()) : t);
    }
    return ofStored(config, out);
  }

  /** "model.layers.{layer}.self_attn.q_proj" / "model.layers.{layer}.mlp.gate_proj" for a projection's short name. */
  public static String modulePath(int layer, String module) {
    String block = module.endsWith("_proj") && (module.startsWith("gate") || module.startsWith("up") || module.startsWith("down"))
        ? "mlp" : "self_attn";
    return "model.layers." + layer + "." + block + "." + module;
  }

  /** The LM head's tensor name: lm_head.weight, or the embedding's when tied. */
  public String lmHeadName() {
    return config.tieWordEmbeddings() || !has("lm_head.weight") ? "model.embed_tokens.weight" : "lm_head.weight";
  }

  /** The LM head [vocab, hidden], as {@link #get} gives it. */
  public INDArray lmHead() { return get(lmHeadName()); }
}
