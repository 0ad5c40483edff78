package nomoat.pipeline.tokenize;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import nomoat.pipeline.testing.Fixtures;

/** The fixture tokenizers, loaded once per test JVM through the per-JVM cache (loading Qwen3 takes seconds). */
public final class TestTokenizers {
  private TestTokenizers() {}

  public static HfTokenizer tinyLlama() { return load("tinyllama-1.1b-chat-v1.0"); }
  public static HfTokenizer qwen3() { return load("qwen3"); }
  public static HfTokenizer mistral() { return load("mistral-7b-v0.1"); }

  private static HfTokenizer load(String name) {
    Path dir = Fixtures.tokenizerDir(name);
    try {
      Path config = dir.resolve("tokenizer_config.json");
      return HfTokenizer.cached(Files.readAllBytes(dir.resolve("tokenizer.json")), Files.isRegularFile(config) ? Files.readAllBytes(config) : null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
