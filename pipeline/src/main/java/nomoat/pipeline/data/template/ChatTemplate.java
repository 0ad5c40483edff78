package nomoat.pipeline.data.template;

import java.util.List;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.tokenize.HfTokenizer;

/** Renders a conversation as text segments whose concatenation is exactly the training text. */
public interface ChatTemplate {

  /** @param configuredSystem the configured system prompt; null = this template's default */
  List<Segment> render(Conversation conversation, String configuredSystem);

  /** Whether the rendered text already starts with BOS, so the tokenizer must not add another. */
  boolean writesBos(String rendered);

  static ChatTemplate named(TemplateName name, HfTokenizer tokenizer) {
    return switch (name) {
      case ALPACA -> new AlpacaTemplate(tokenizer.eosToken());
      case VICUNA_V1_1 -> new VicunaTemplate(tokenizer.eosToken());
      case LLAMA2 -> new Llama2Template(tokenizer.bosToken(), tokenizer.eosToken());
      case LLAMA3 -> {
        requireControlTokens(name, tokenizer, "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>");
        yield new Llama3Template();
      }
      case CHATML -> {
        requireControlTokens(name, tokenizer, "<|im_start|>", "<|im_end|>");
        yield new ChatMlTemplate();
      }
      case RAW -> new RawTemplate(tokenizer.eosToken());
      case TOKENIZER -> JinjaChatTemplate.of(tokenizer);
    };
  }

  /**
   * A template's control markers should be single tokens of the tokenizer. Spelled out as text (a base model that
   * never saw them) they are split into pieces and trained as text: that works, but generation then needs a stop
   * string and a piece may straddle the end of a turn, so say so once per JVM.
   */
  private static void requireControlTokens(TemplateName template, HfTokenizer tokenizer, String... tokens) {
    for (String t : tokens) {
      if (tokenizer.tokenToId(t) < 0 && Warned.ONCE.add(template + "/" + tokenizer.sha256())) {
        org.slf4j.LoggerFactory.getLogger(ChatTemplate.class).warn("template '{}': {} is not a token of this tokenizer; its markers "
            + "are trained as plain text (add them as special tokens, or use template = tokenizer)", template, t);
      }
    }
  }

  /** Templates already warned about in this JVM (an interface cannot hold a private field). */
  final class Warned {
    private Warned() {}

    static final java.util.Set<String> ONCE = java.util.concurrent.ConcurrentHashMap.newKeySet();
  }

  /** Text rendering of a token that may be absent from the tokenizer (e.g. Qwen3 has no BOS). */
  static String orEmpty(String token) { return token == null ? "" : token; }
}
