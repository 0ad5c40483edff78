package nomoat.pipeline.tokenize;

import java.util.concurrent.ConcurrentHashMap;

/** One tokenizer per JVM per (tokenizer.json, tokenizer_config.json) content, keyed by SHA-256. */
final class TokenizerCache {
  private static final ConcurrentHashMap<String, HfTokenizer> CACHE = new ConcurrentHashMap<>();

  private TokenizerCache() {}

  static HfTokenizer get(byte[] tokenizerJson, byte[] tokenizerConfigJson) {
    String key = Hashing.sha256Hex(tokenizerJson) + "/" + (tokenizerConfigJson == null ? "-" : Hashing.sha256Hex(tokenizerConfigJson));
    return CACHE.computeIfAbsent(key, k -> HfTokenizer.fromBytes(tokenizerJson, tokenizerConfigJson));
  }
}
