package nomoat.pipeline.generate;

/**
 * How to pick tokens. temperature 0 = greedy argmax; otherwise logits / temperature, then top-k (0 = off), then
 * top-p nucleus (1.0 = off), then a draw from a generator seeded with {@code seed}.
 *
 * @param stopAtEos stop after emitting any of the model config's eos ids (the eos id is kept in the output)
 */
public record GenerationConfig(int maxNewTokens, double temperature, int topK, double topP, long seed, boolean stopAtEos) {

  public GenerationConfig {
    if (maxNewTokens < 0) throw new IllegalArgumentException("maxNewTokens must be >= 0");
    if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0");
    if (topK < 0) throw new IllegalArgumentException("topK must be >= 0");
    if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("topP must be in (0, 1]");
  }

  public static GenerationConfig greedy(int maxNewTokens) {
    return new GenerationConfig(maxNewTokens, 0, 0, 1.0, 0, true);
  }

  public boolean isGreedy() { return temperature == 0; }
}
