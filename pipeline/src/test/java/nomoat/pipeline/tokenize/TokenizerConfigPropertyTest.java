package nomoat.pipeline.tokenize;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.testing.Fixtures;

/**
 * tokenizer_config.json from an untrusted directory: any JSON that parses (here: the real TinyLlama config with a
 * byte flipped or a value replaced by another JSON type) gives special tokens or one NomoatException naming the
 * file, never another exception type.
 */
class TokenizerConfigPropertyTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final byte[] CONFIG;
  static final JsonNode TOKENIZER;

  static {
    try {
      CONFIG = Files.readAllBytes(Fixtures.tokenizerDir("tinyllama-1.1b-chat-v1.0").resolve("tokenizer_config.json"));
      TOKENIZER = JSON.readTree(Files.readAllBytes(Fixtures.tokenizerDir("tinyllama-1.1b-chat-v1.0").resolve("tokenizer.json")));
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  static final String[] VALUES = {"null", "true", "7", "-1.5e308", "\"x\"", "[]", "[1, {\"name\": 3}]", "{}", "{\"content\": 5}",
      "{\"content\": null}", "\"\\u2028\"", "{\"name\": \"default\", \"template\": []}"};
  static final String[] KEYS = {"bos_token", "eos_token", "pad_token", "unk_token", "add_bos_token", "add_eos_token", "chat_template"};

  @Property(tries = 300, seed = "20261205")
  void anyParsedConfigGivesTokensOrOneError(@ForAll long seed) throws Exception {
    Random rnd = new Random(seed);
    byte[] bytes;
    if (rnd.nextBoolean()) {
      bytes = CONFIG.clone();
      bytes[rnd.nextInt(bytes.length)] ^= (byte) (1 + rnd.nextInt(255));
    } else {
      String key = KEYS[rnd.nextInt(KEYS.length)], value = VALUES[rnd.nextInt(VALUES.length)];
      com.fasterxml.jackson.databind.node.ObjectNode c = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(CONFIG);
      c.set(key, JSON.readTree(value));
      bytes = rnd.nextInt(10) == 0 ? value.getBytes() : JSON.writeValueAsBytes(c);
    }
    JsonNode config;
    try {
      config = JSON.readTree(bytes);
    } catch (Exception e) {
      return; // not JSON: HfTokenizer.fromBytes refuses it before this point
    }
    try {
      SpecialTokens.read(TOKENIZER, config);
    } catch (NomoatException e) {
      assertTrue(e.getMessage().contains("tokenizer_config.json"), e.getMessage());
      assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    } catch (Throwable t) {
      fail("not a NomoatException: " + t, t);
    }
  }
}
