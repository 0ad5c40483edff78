package nomoat.pipeline.lora;

import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The trainable tensors of one LoRA adapter. Keys are module paths without the PEFT prefix (the model's own names,
 * {@code model.LlamaWeights.modulePath}), e.g.
 * "model.layers.3.self_attn.q_proj" or "model.layers.3.mlp.down_proj"; A is [r, in], B is [out, r] (PEFT layouts).
 * The effective weight is W + spec.scale() * B @ A.
 */
public record LoraAdapter(LoraSpec spec, Map<String, INDArray> a, Map<String, INDArray> b) {

  public LoraAdapter {
    a = new TreeMap<>(a);
    b = new TreeMap<>(b);
    if (!a.keySet().equals(b.keySet())) throw new IllegalArgumentException("LoRA A and B cover different modules");
  }
}
