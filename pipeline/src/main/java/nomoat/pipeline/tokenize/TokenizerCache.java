package nomoat.pipeline.tokenize;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One tokenizer per JVM per (tokenizer.json, tokenizer_config.json) content, keyed by SHA-256. Hashing an
 * 11 MB tokenizer.json takes tens of milliseconds, so the very same byte arrays (a Spark broadcast value is
 * one instance per executor) are remembered by identity and skip the hash.
 */
final class TokenizerCache {
  private static final ConcurrentHashMap<String, HfTokenizer> BY_CONTENT = new ConcurrentHashMap<>();
  private static final Map<byte[], Seen> BY_ARRAY = Collections.synchronizedMap(new WeakHashMap<>());

  private record Seen(byte[] config, HfTokenizer tokenizer) {}

  private TokenizerCache() {}

  static HfTokenizer get(String jsonPath, byte[] tokenizerJson, byte[] tokenizerConfigJson) {
    Seen seen = BY_ARRAY.get(tokenizerJson); // byte[] equality is identity
    if (seen != null && seen.config == tokenizerConfigJson) return seen.tokenizer;
    String key = Hashing.sha256Hex(tokenizerJson) + "/" + (tokenizerConfigJson == null ? "-" : Hashing.sha256Hex(tokenizerConfigJson));
    HfTokenizer tokenizer = BY_CONTENT.computeIfAbsent(key, k -> HfTokenizer.fromBytes(jsonPath, tokenizerJson, tokenizerConfigJson));
    BY_ARRAY.put(tokenizerJson, new Seen(tokenizerConfigJson, tokenizer));
    return tokenizer;
  }
}
