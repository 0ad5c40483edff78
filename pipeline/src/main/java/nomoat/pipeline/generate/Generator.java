package nomoat.pipeline.generate;

import java.util.Arrays;
import java.util.List;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.model.IncrementalDecoder;
import nomoat.pipeline.model.LlamaModel;

/** Autoregressive generation with a KV cache and any number of active adapters. */
public final class Generator {
  private Generator() {}

  /** Returns the new tokens only (the prompt is not repeated). The prompt must hold at least one token (e.g. BOS). */
  public static int[] generate(LlamaModel model, List<LoraAdapter> adapters, int[] prompt, GenerationConfig cfg) {
    return generate(model, adapters, prompt, cfg, java.util.Set.copyOf(model.config().eosTokenIds()), id -> { });
  }

  /**
   * As above, stopping (when cfg.stopAtEos) after any of {@code stopIds} (kept in the output), and handing each
   * new token to {@code onToken} as soon as it is chosen (for streaming).
   */
  public static int[] generate(LlamaModel model, List<LoraAdapter> adapters, int[] prompt, GenerationConfig cfg, java.util.Set<Integer> stopIds,
                               java.util.function.IntConsumer onToken) {
    if (prompt.length == 0) throw new IllegalArgumentException("prompt must hold at least one token (e.g. BOS)");
    IncrementalDecoder dec = new IncrementalDecoder(model, adapters, prompt.length + Math.max(cfg.maxNewTokens(), 1));
    Sampler sampler = new Sampler(cfg);
    int[] out = new int[cfg.maxNewTokens()];
    int n = 0;
    if (cfg.maxNewTokens() == 0) return out;
    double[] logits = dec.feed(prompt);
    while (true) {
      int next = sampler.next(logits);
      out[n++] = next;
      onToken.accept(next);
      if (n == cfg.maxNewTokens() || (cfg.stopAtEos() && stopIds.contains(next))) break;
      logits = dec.feed(next);
    }
    return Arrays.copyOf(out, n);
  }
}
