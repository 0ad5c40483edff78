package nomoat.pipeline.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import nomoat.pipeline.JsonErrors;
import nomoat.pipeline.NomoatException;

/**
 * A Hugging Face tokenizer (tokenizer.json run by the Rust `tokenizers` library through DJL, so encoding is
 * exactly HF's) plus the special-token facts of tokenizer_config.json. Thread-safe.
 */
public final class HfTokenizer {

  // DJL defaults to truncating and padding at 512 tokens; we want the plain HF encoding.
  private static final Map<String, String> DJL_OPTIONS = Map.of("padding", "false", "truncation", "false");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HuggingFaceTokenizer djl;
  private final String sha256;
  private final SpecialTokens specials;
  private final String[] idToToken;
  private final Map<String, Integer> tokenToId;

  private HfTokenizer(HuggingFaceTokenizer djl, String sha256, SpecialTokens specials, String[] idToToken, Map<String, Integer> tokenToId) {
    this.djl = djl;
    this.sha256 = sha256;
    this.specials = specials;
    this.idToToken = idToToken;
    this.tokenToId = tokenToId;
  }

  /** Builds a tokenizer from the bytes of tokenizer.json and (nullable) tokenizer_config.json. */
  public static HfTokenizer fromBytes(byte[] tokenizerJson, byte[] tokenizerConfigJson) {
    return fromBytes("tokenizer.json", tokenizerJson, tokenizerConfigJson);
  }

  /**
   * As {@link #fromBytes(byte[], byte[])}; {@code jsonPath} is where tokenizer.json was read, for error messages
   * (tokenizer_config.json is named as its sibling).
   */
  public static HfTokenizer fromBytes(String jsonPath, byte[] tokenizerJson, byte[] tokenizerConfigJson) {
    if (tokenizerJson == null) throw NomoatException.config(jsonPath + " is missing");
    String configPath = jsonPath.substring(0, jsonPath.lastIndexOf('/') + 1) + "tokenizer_config.json";
    JsonNode tree;
    JsonNode config;
    try {
      tree = JSON.readTree(tokenizerJson);
    } catch (IOException e) {
      throw NomoatException.config(jsonPath + " is not valid JSON (truncated?): " + JsonErrors.oneLine(e));
    }
    if (tree == null || !tree.isObject()) throw NomoatException.config(jsonPath + " is not a JSON object (a Hugging Face tokenizer.json)");
    try {
      config = tokenizerConfigJson == null ? null : JSON.readTree(tokenizerConfigJson);
    } catch (IOException e) {
      throw NomoatException.config(configPath + " is not valid JSON (truncated?): " + JsonErrors.oneLine(e));
    }
    if (tokenizerConfigJson != null && (config == null || !config.isObject())) {
      throw NomoatException.config(configPath + " is not a JSON object");
    }
    HuggingFaceTokenizer djl;
    try {
      djl = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), DJL_OPTIONS);
    } catch (IOException | RuntimeException e) {
      throw NomoatException.config(jsonPath + " could not be loaded by the Hugging Face tokenizers library: " + JsonErrors.oneLine(e));
    }
    Map<String, Integer> tokenToId = new HashMap<>();
    readVocabulary(tree, tokenToId);
    int size = 0;
    for (int id : tokenToId.values()) size = Math.max(size, id + 1);
    String[] idToToken = new String[size];
    for (Map.Entry<String, Integer> e : tokenToId.entrySet()) idToToken[e.getValue()] = e.getKey();
    return new HfTokenizer(djl, Hashing.sha256Hex(tokenizerJson), SpecialTokens.read(tree, config), idToToken, tokenToId);
  }

  /** Reads tokenizer.json and, if present, tokenizer_config.json from a model directory. */
  public static HfTokenizer fromDirectory(Path dir) {
    Path json = dir.resolve("tokenizer.json");
    Path config = dir.resolve("tokenizer_config.json");
    if (!Files.isRegularFile(json)) throw NomoatException.config("no tokenizer.json in " + dir);
    try {
      return fromBytes(json.toString(), Files.readAllBytes(json), Files.isRegularFile(config) ? Files.readAllBytes(config) : null);
    } catch (IOException e) {
      throw NomoatException.io("cannot read tokenizer files in " + dir, e);
    }
  }

  /** The same tokenizer once per JVM for the same bytes (Spark executors call this per task). */
  public static HfTokenizer cached(byte[] tokenizerJson, byte[] tokenizerConfigJson) {
    return TokenizerCache.get("tokenizer.json", tokenizerJson, tokenizerConfigJson);
  }

  /** As {@link #cached(byte[], byte[])}, naming {@code jsonPath} (where tokenizer.json was read) in errors. */
  public static HfTokenizer cached(String jsonPath, byte[] tokenizerJson, byte[] tokenizerConfigJson) {
    return TokenizerCache.get(jsonPath, tokenizerJson, tokenizerConfigJson);
  }

  /** Model vocabulary plus added tokens (which may override or extend it). */
  private static void readVocabulary(JsonNode tree, Map<String, Integer> tokenToId) {
    JsonNode vocab = tree.path("model").path("vocab");
    if (vocab.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        tokenToId.put(e.getKey(), e.getValue().asInt());
      }
    } else if (vocab.isArray()) { // Unigram: [[piece, score], ...], id = position
      for (int i = 0; i < vocab.size(); i++) tokenToId.put(vocab.get(i).get(0).asText(), i);
    }
    for (JsonNode added : tree.path("added_tokens")) tokenToId.put(added.path("content").asText(), added.path("id").asInt());
  }

  /**
   * Encodes {@code text}. Added/special tokens written in the text ("</s>", "<|im_end|>") become those
   * tokens, as in HF. With {@code addSpecialTokens}, the post-processor adds BOS/EOS (these have no span).
   */
  public Encoded encode(String text, boolean addSpecialTokens) {
    // Straight to DJL's JNI: DJL's own encode() copies nine arrays per call (type ids, word ids, masks, token
    // strings...), a third of the cost; ids and spans are all we need, and token strings are vocabulary pieces.
    TokenizableText.require(text);
    long encoding = TokenizersLibrary.LIB.encode(djl.getHandle(), text, addSpecialTokens);
    long[] rawIds;
    CharSpan[] spans;
    try {
      rawIds = TokenizersLibrary.LIB.getTokenIds(encoding);
      spans = TokenizersLibrary.LIB.getTokenCharSpans(encoding);
    } finally {
      TokenizersLibrary.LIB.deleteEncoding(encoding);
    }
    int n = rawIds.length;
    int[] ids = new int[n];
    String[] tokens = new String[n];
    int[] starts = new int[n];
    int[] ends = new int[n];
    int[] utf16 = Utf16Offsets.codePointToUtf16(text);
    for (int i = 0; i < n; i++) {
      ids[i] = (int) rawIds[i];
      tokens[i] = idToToken(ids[i]);
      CharSpan span = spans[i];
      if (span == null) { // added by the post-processor: no text
        starts[i] = -1;
        ends[i] = -1;
      } else {
        starts[i] = utf16 == null ? span.getStart() : utf16[span.getStart()];
        ends[i] = utf16 == null ? span.getEnd() : utf16[span.getEnd()];
      }
    }
    return new Encoded(ids, tokens, starts, ends);
  }

  /** Token ids only; the fast path when offsets are not needed. */
  public int[] encodeIds(String text, boolean addSpecialTokens) {
    TokenizableText.require(text);
    long encoding = TokenizersLibrary.LIB.encode(djl.getHandle(), text, addSpecialTokens);
    long[] raw;
    try {
      raw = TokenizersLibrary.LIB.getTokenIds(encoding);
    } finally {
      TokenizersLibrary.LIB.deleteEncoding(encoding);
    }
    int[] ids = new int[raw.length];
    for (int i = 0; i < raw.length; i++) ids[i] = (int) raw[i];
    return ids;
  }

  public String decode(int[] ids, boolean skipSpecialTokens) {
    long[] raw = new long[ids.length];
    for (int i = 0; i < ids.length; i++) raw[i] = ids[i];
    return djl.decode(raw, skipSpecialTokens);
  }

  /** The vocabulary piece for {@code id}, or null when no token has that id. */
  public String idToToken(int id) { return id >= 0 && id < idToToken.length ? idToToken[id] : null; }

  /** The id of a vocabulary piece or added token, or -1. */
  public int tokenToId(String token) {
    Integer id = token == null ? null : tokenToId.get(token);
    return id == null ? -1 : id;
  }

  /** Number of ids (vocabulary plus added tokens), as HF's len(tokenizer). */
  public int vocabSize() { return idToToken.length; }

  public String bosToken() { return specials.bos(); }
  public int bosId() { return tokenToId(specials.bos()); }
  public String eosToken() { return specials.eos(); }
  public int eosId() { return tokenToId(specials.eos()); }
  /** Nullable: some tokenizers (Mistral) have no pad token. */
  public String padToken() { return specials.pad(); }
  public int padId() { return tokenToId(specials.pad()); }
  public String unkToken() { return specials.unk(); }
  public boolean addBosToken() { return specials.addBos(); }
  public boolean addEosToken() { return specials.addEos(); }
  /** The Jinja chat template from tokenizer_config.json, or null. */
  public String chatTemplate() { return specials.chatTemplate(); }
  /** Hex SHA-256 of the tokenizer.json bytes: identifies the vocabulary in manifests. */
  public String sha256() { return sha256; }
}
