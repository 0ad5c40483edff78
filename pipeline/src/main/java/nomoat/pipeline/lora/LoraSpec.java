package nomoat.pipeline.lora;

import java.util.List;
import java.util.Set;

/**
 * What a LoRA adapter adapts and how it is scaled, with PEFT `LoraConfig` meanings.
 *
 * @param targetModules     subset of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj
 * @param layersToTransform null = every layer, else the layer indices adapted
 * @param useRslora         scale = alpha / sqrt(r) instead of alpha / r
 */
public record LoraSpec(int r, double alpha, double dropout, Set<String> targetModules, List<Integer> layersToTransform,
                       boolean useRslora) implements java.io.Serializable {

  public static final List<String> ALL_MODULES =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  public LoraSpec {
    if (r <= 0) throw new IllegalArgumentException("LoRA r must be positive, got " + r);
    if (dropout < 0 || dropout >= 1) throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
    for (String m : targetModules)
      if (!ALL_MODULES.contains(m)) throw new IllegalArgumentException("unknown LoRA target module '" + m + "'; known: " + ALL_MODULES);
    targetModules = Set.copyOf(targetModules);
    layersToTransform = layersToTransform == null ? null : List.copyOf(layersToTransform);
  }

  /** The factor B·A is multiplied by. */
  public double scale() { return useRslora ? alpha / Math.sqrt(r) : alpha / r; }

  public boolean adapts(int layer, String module) {
    return targetModules.contains(module) && (layersToTransform == null || layersToTransform.contains(layer));
  }
}
