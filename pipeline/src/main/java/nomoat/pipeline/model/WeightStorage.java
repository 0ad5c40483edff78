package nomoat.pipeline.model;

import java.util.Locale;

/**
 * What precision a model's frozen matrices (embedding, projections, LM head) are kept in. LoRA never updates them, so
 * they need not be FP32: {@link #STORED} keeps what the checkpoint holds (BF16/F16 safetensors, GGUF F16/BF16 and
 * quantised blocks) and widens it tile by tile inside the products; the norms are always FP32.
 */
public enum WeightStorage {
  /** As the file stores them (FP32 files stay FP32). */
  STORED,
  /** Everything widened to FP32 at load (the engine before narrow storage; ~2x the memory of a BF16 checkpoint). */
  FLOAT32,
  /** Rounded to bfloat16 where the file holds something else (changes the model unless it was BF16 already). */
  BFLOAT16,
  /** Rounded to IEEE half where the file holds something else. */
  FLOAT16;

  /** The configuration name: "stored", "float32", "bfloat16", "float16". */
  public String configName() { return name().toLowerCase(Locale.ROOT); }

  public static WeightStorage of(String configName) {
    for (WeightStorage s : values()) if (s.configName().equals(configName)) return s;
    throw new IllegalArgumentException("weights dtype '" + configName + "' is not one of stored, float32, bfloat16, float16");
  }
}
