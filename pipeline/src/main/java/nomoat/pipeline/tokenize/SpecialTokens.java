package nomoat.pipeline.tokenize;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The special-token facts a tokenizer_config.json states, with tokenizer.json's post-processor as the
 * fallback: HF fast tokenizers add BOS/EOS through the post-processor, so it is the ground truth when the
 * config is silent (Llama's config omits add_bos_token; its TemplateProcessing adds {@code <s>}).
 */
record SpecialTokens(String bos, String eos, String pad, String unk, boolean addBos, boolean addEos, String chatTemplate) {

  static SpecialTokens read(JsonNode tokenizerJson, JsonNode config) {
    if (config != null) check(config);
    JsonNode single = tokenizerJson.path("post_processor").path("single");
    String processorFirst = specialAt(single, 0);
    String processorLast = single.isArray() && single.size() > 1 ? specialAt(single, single.size() - 1) : null;

    String bos = config == null ? processorFirst : tokenText(config.get("bos_token"));
    String eos = config == null ? null : tokenText(config.get("eos_token"));
    if (eos == null) eos = guessEos(tokenizerJson);
    String pad = config == null ? null : tokenText(config.get("pad_token"));
    String unk = config == null ? null : tokenText(config.get("unk_token"));
    boolean addBos = config != null && config.has("add_bos_token") && !config.get("add_bos_token").isNull()
        ? config.get("add_bos_token").asBoolean()
        : processorFirst != null;
    boolean addEos = config != null && config.has("add_eos_token") && !config.get("add_eos_token").isNull()
        ? config.get("add_eos_token").asBoolean()
        : processorLast != null;
    if (addBos && bos == null) bos = processorFirst;
    return new SpecialTokens(bos, eos, pad, unk, addBos && bos != null, addEos && eos != null, chatTemplate(config));
  }

  /** The special token at position {@code i} of a TemplateProcessing "single" list, or null. */
  private static String specialAt(JsonNode single, int i) {
    if (!single.isArray() || single.size() <= i) return null;
    JsonNode special = single.get(i).get("SpecialToken");
    return special == null ? null : special.path("id").asText(null);
  }

  /** A config from an untrusted file: the keys read here have the types HF writes, or the file is refused. */
  private static void check(JsonNode config) {
    if (!config.isObject()) throw bad("is not a JSON object");
    for (String key : new String[] {"bos_token", "eos_token", "pad_token", "unk_token"}) {
      JsonNode v = config.get(key);
      if (v == null || v.isNull() || v.isTextual()) continue;
      JsonNode content = v.get("content");
      if (!v.isObject() || (content != null && !content.isNull() && !content.isTextual())) {
        throw bad("key '" + key + "' must be a string or an object with a string \"content\"");
      }
    }
    for (String key : new String[] {"add_bos_token", "add_eos_token"}) {
      JsonNode v = config.get(key);
      if (v != null && !v.isNull() && !v.isBoolean()) throw bad("key '" + key + "' must be true, false or null");
    }
    JsonNode t = config.get("chat_template");
    if (t != null && !t.isNull() && !t.isTextual() && !t.isArray()) throw bad("key 'chat_template' must be a string or a list");
  }

  private static nomoat.pipeline.NomoatException bad(String what) {
    return nomoat.pipeline.NomoatException.config("tokenizer_config.json " + what);
  }

  /** tokenizer_config.json writes tokens either as a string or as an AddedToken object with "content". */
  private static String tokenText(JsonNode node) {
    if (node == null || node.isNull()) return null;
    if (node.isTextual()) return node.asText();
    JsonNode content = node.get("content");
    return content == null || content.isNull() ? null : content.asText();
  }

  /** When the config names none, take a conventional end-of-text token the vocabulary has. */
  private static String guessEos(JsonNode tokenizerJson) {
    for (String candidate : new String[] {"</s>", "<|endoftext|>", "<|end_of_text|>", "<|im_end|>"}) {
      for (JsonNode added : tokenizerJson.path("added_tokens")) {
        if (candidate.equals(added.path("content").asText())) return candidate;
      }
    }
    return null;
  }

  /** chat_template is a string, or a list of {name, template} of which "default" is the chat one. */
  private static String chatTemplate(JsonNode config) {
    if (config == null) return null;
    JsonNode t = config.get("chat_template");
    if (t == null || t.isNull()) return null;
    if (t.isTextual()) return t.asText();
    if (t.isArray()) {
      for (JsonNode named : t) {
        if ("default".equals(named.path("name").asText())) return named.path("template").asText(null);
      }
    }
    return null;
  }
}
