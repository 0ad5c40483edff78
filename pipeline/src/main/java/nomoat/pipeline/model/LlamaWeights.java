package nomoat.pipeline.model;

import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model's frozen weights: FP32 tensors under Hugging Face names and layouts
 * ("model.layers.0.self_attn.q_proj.weight" is [out, in], "model.embed_tokens.weight" is [vocab, hidden]).
 * Every loader converts into this form (GGUF q/k rows are un-interleaved to HF's rotate_half order on load).
 */
public record LlamaWeights(LlamaConfig config, Map<String, INDArray> tensors) {

  public LlamaWeights {
    tensors = new TreeMap<>(tensors);
  }

  public INDArray get(String name) {
    INDArray t = tensors.get(name);
    if (t == null) throw new IllegalArgumentException("missing tensor '" + name + "'");
    return t;
  }

  public boolean has(String name) { return tensors.containsKey(name); }

  /** "model.layers.{layer}.self_attn.q_proj" / "model.layers.{layer}.mlp.gate_proj" for a projection's short name. */
  public static String modulePath(int layer, String module) {
    String block = module.endsWith("_proj") && (module.startsWith("gate") || module.startsWith("up") || module.startsWith("down"))
        ? "mlp" : "self_attn";
    return "model.layers." + layer + "." + block + "." + module;
  }

  /** The LM head: lm_head.weight, or the embedding when tied. [vocab, hidden] */
  public INDArray lmHead() {
    return config.tieWordEmbeddings() || !has("lm_head.weight") ? get("model.embed_tokens.weight") : get("lm_head.weight");
  }
}
