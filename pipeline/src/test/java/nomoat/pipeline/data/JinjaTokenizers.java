package nomoat.pipeline.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import nomoat.pipeline.testing.Fixtures;
import nomoat.pipeline.tokenize.HfTokenizer;

/** A fixture tokenizer with a different chat_template in its config (same tokenizer.json). */
public final class JinjaTokenizers {
  private JinjaTokenizers() {}

  public static HfTokenizer withTemplate(HfTokenizer base, String chatTemplate) {
    String dir = base.eosToken().equals("</s>") ? "tinyllama-1.1b-chat-v1.0" : "qwen3";
    try {
      ObjectMapper json = new ObjectMapper();
      var d = Fixtures.tokenizerDir(dir);
      ObjectNode config = (ObjectNode) json.readTree(d.resolve("tokenizer_config.json").toFile());
      config.put("chat_template", chatTemplate);
      return HfTokenizer.cached(Files.readAllBytes(d.resolve("tokenizer.json")), json.writeValueAsBytes(config));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

}
