package nomoat.bench;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import nomoat.pipeline.model.LlamaConfig;

/** A benchmark model shape and batch, with the same presets (A, B) as the PyTorch peer benchmark. */
public record BenchModel(String name, int hidden, int layers, int heads, int kvHeads, int intermediate, int vocab,
                         int seq, int batch) {

  public static final BenchModel A = new BenchModel("A", 256, 4, 4, 4, 688, 8000, 256, 4);
  public static final BenchModel B = new BenchModel("B", 512, 8, 8, 8, 1376, 32000, 256, 4);

  public static BenchModel named(String name) {
    return switch (name.trim().toUpperCase(Locale.ROOT)) {
      case "A" -> A;
      case "B" -> B;
      default -> throw new IllegalArgumentException("unknown bench config '" + name + "'; known: A, B");
    };
  }

  /** LoRA target sets of the peer: "qv" (q_proj, v_proj) and "all7" (every projection). */
  public static Set<String> targets(String name) {
    return switch (name.trim()) {
      case "qv" -> Set.of("q_proj", "v_proj");
      case "all7" -> Set.copyOf(nomoat.pipeline.lora.LoraSpec.ALL_MODULES);
      default -> throw new IllegalArgumentException("unknown LoRA targets '" + name + "'; known: qv, all7");
    };
  }

  public int headDim() { return hidden / heads; }

  /** HF LlamaConfig as the peer builds it (rms eps 1e-6, theta 10000, untied head). */
  public LlamaConfig toLlamaConfig() {
    return new LlamaConfig(vocab, hidden, intermediate, layers, heads, kvHeads, headDim(), 1e-6, 10000.0, null,
        Math.max(2048, seq), false, false, 1, List.of(2), "float32");
  }
}
