package nomoat.pipeline.estimate;

import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.LlamaConfig;

/**
 * FLOPs per token of one LoRA training step of the engine, as the engine benchmark counts them: forward =
 * 2·N + 2·N_lora + 4·L·T·d_q, backward = 2·N_bwd + 4·N_lora + 8·L_bwd·T·d_q, where N counts the base model's matmul
 * parameters (the LM head included), the frozen base needs activation gradients only, and backward stops at the lowest
 * adapted layer (the engine computes nothing below it). T is the padded row length the attention sees.
 *
 * @param baseParams   every base parameter (embedding included), for memory and the probe's size limit
 * @param matmulParams base parameters that are multiplied per token (all but the embedding)
 * @param loraParams   trained adapter parameters
 */
public record TrainingFlops(long baseParams, long matmulParams, long loraParams, double forwardPerToken, double backwardPerToken) {

  public static TrainingFlops of(LlamaConfig c, LoraSpec spec, double rowLength) {
    long h = c.hiddenSize(), q = c.qDim(), kv = c.kvDim(), f = c.intermediateSize();
    long perLayer = h * q + 2 * h * kv + q * h + 3 * h * f;
    long head = (long) c.vocabSize() * h;
    long lora = 0;
    int lowest = c.numLayers();
    for (int l = 0; l < c.numLayers(); l++)
      for (String m : LoraSpec.ALL_MODULES)
        if (spec.adapts(l, m)) {
          lora += (long) spec.r() * (in(c, m) + out(c, m));
          lowest = Math.min(lowest, l);
        }
    long layersBackward = c.numLayers() - lowest;
    long matmul = c.numLayers() * perLayer + head;
    double attn = 4.0 * rowLength * q;
    double fwd = 2.0 * matmul + 2.0 * lora + attn * c.numLayers();
    double bwd = 2.0 * (layersBackward * perLayer + head) + 4.0 * lora + 2 * attn * layersBackward;
    long base = matmul + (c.tieWordEmbeddings() ? 0 : head) + 2L * h * c.numLayers() + h;
    return new TrainingFlops(base, matmul, lora, fwd, bwd);
  }

  public double perToken() { return forwardPerToken + backwardPerToken; }

  /** The adapter's size as it travels between driver and executors (FP32). */
  public double adapterMegabytes() { return loraParams * 4.0 / 1e6; }

  static long in(LlamaConfig c, String module) {
    return switch (module) {
      case "o_proj" -> c.qDim();
      case "down_proj" -> c.intermediateSize();
      default -> c.hiddenSize();
    };
  }

  static long out(LlamaConfig c, String module) {
    return switch (module) {
      case "q_proj" -> c.qDim();
      case "k_proj", "v_proj" -> c.kvDim();
      case "gate_proj", "up_proj" -> c.intermediateSize();
      default -> c.hiddenSize();
    };
  }
}
