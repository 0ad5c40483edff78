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

  static ChatTemplate named(String name, HfTokenizer tokenizer) {
    return switch (name) {
      case "alpaca" -> new AlpacaTemplate(tokenizer.eosToken());
      case "vicuna_v1.1" -> new VicunaTemplate(tokenizer.eosToken());
      case "llama2" -> new Llama2Template(tokenizer.bosToken(), tokenizer.eosToken());
      case "llama3" -> new Llama3Template();
      case "chatml" -> new ChatMlTemplate();
      case "raw" -> new RawTemplate(tokenizer.eosToken());
      case "tokenizer" -> JinjaChatTemplate.of(tokenizer);
      default -> throw nomoat.pipeline.NomoatException.config("template '" + name + "' is unknown");
    };
  }

  /** Text rendering of a token that may be absent from the tokenizer (e.g. Qwen3 has no BOS). */
  static String orEmpty(String token) { return token == null ? "" : token; }
}
