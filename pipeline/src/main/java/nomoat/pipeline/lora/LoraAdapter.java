package nomoat.pipeline.lora;

import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The trainable tensors of one LoRA adapter. Keys are module paths without the PEFT prefix, e.g.
 * "model.layers.3.self_attn.q_proj" or "model.layers.3.mlp.down_proj"; A is [r, in], B is [out, r] (PEFT layouts).
 * The effective weight is W + spec.scale() * B @ A.
 */
public record LoraAdapter(LoraSpec spec, Map<String, INDArray> a, Map<String, INDArray> b) {

  public LoraAdapter {
    a = new TreeMap<>(a);
    b = new TreeMap<>(b);
    if (!a.keySet().equals(b.keySet())) throw new IllegalArgumentException("LoRA A and B cover different modules");
  }

  /** "model.layers.{layer}.self_attn.q_proj" / "model.layers.{layer}.mlp.gate_proj" for a module short name. */
  public static String modulePath(int layer, String module) {
    String block = module.endsWith("_proj") && (module.startsWith("gate") || module.startsWith("up") || module.startsWith("down"))
        ? "mlp" : "self_attn";
    return "model.layers." + layer + "." + block + "." + module;
  }
}
