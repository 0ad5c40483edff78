package nomoat.pipeline.tokenize;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.testing.Fixtures;
import org.junit.jupiter.api.Test;

class HfTokenizerTest {

  @Test
  void tinyLlamaHelloWorldAddsBos() {
    HfTokenizer tok = TestTokenizers.tinyLlama();
    Encoded e = tok.encode("Hello world", true);
    assertArrayEquals(new int[] {1, 15043, 3186}, e.ids());
    assertArrayEquals(new String[] {"<s>", "▁Hello", "▁world"}, e.tokens());
    assertFalse(e.hasSpan(0), "post-processor BOS has no text");
    assertEquals(0, e.starts()[1]);
    assertEquals(5, e.ends()[1]);
    assertEquals(5, e.starts()[2]);
    assertEquals(11, e.ends()[2]);
    assertArrayEquals(new int[] {15043, 3186}, tok.encode("Hello world", false).ids());
  }

  @Test
  void qwen3HelloWorldHasNoBos() {
    HfTokenizer tok = TestTokenizers.qwen3();
    assertArrayEquals(new int[] {9707, 1879}, tok.encode("Hello world", true).ids());
    assertFalse(tok.addBosToken());
    assertNull(tok.bosToken());
    assertEquals("<|im_end|>", tok.eosToken());
    assertEquals(151645, tok.eosId());
    assertEquals("<|endoftext|>", tok.padToken());
    assertEquals(151643, tok.padId());
    assertTrue(tok.chatTemplate().contains("<|im_start|>"));
  }

  @Test
  void mistralHelloWorld() {
    HfTokenizer tok = TestTokenizers.mistral();
    int[] ids = tok.encode("Hello world", true).ids();
    assertEquals(1, ids[0]);
    assertEquals(22557, ids[1]);
    assertEquals(1526, ids[2]);
    assertTrue(tok.addBosToken());
    assertFalse(tok.addEosToken());
    assertNull(tok.padToken());
    assertEquals(-1, tok.padId());
    assertNull(tok.chatTemplate());
  }

  @Test
  void llamaSpecialFacts() {
    HfTokenizer tok = TestTokenizers.tinyLlama();
    assertEquals("<s>", tok.bosToken());
    assertEquals(1, tok.bosId());
    assertEquals("</s>", tok.eosToken());
    assertEquals(2, tok.eosId());
    assertEquals("</s>", tok.padToken());
    assertTrue(tok.addBosToken(), "Llama config omits add_bos_token; the post-processor adds <s>");
    assertFalse(tok.addEosToken());
    assertEquals(32000, tok.vocabSize());
    assertEquals("▁Hello", tok.idToToken(15043));
    assertEquals(15043, tok.tokenToId("▁Hello"));
    assertEquals(-1, tok.tokenToId("no-such-piece"));
    assertNull(tok.idToToken(99999));
    assertEquals("bcd04f0eadf90287bd26e1a183ac487d8a141b09b06aecb7725bbdd343640f2e", tok.sha256());
    assertTrue(tok.chatTemplate().contains("<|assistant|>"));
  }

  @Test
  void specialTokensTypedInTextAreRecognised() {
    Encoded llama = TestTokenizers.tinyLlama().encode("Hi</s>", false);
    assertEquals(2, llama.ids()[llama.size() - 1]);
    assertEquals("</s>", "Hi</s>".substring(llama.starts()[llama.size() - 1], llama.ends()[llama.size() - 1]));
    String chat = "<|im_start|>user\nHi<|im_end|>\n";
    Encoded qwen = TestTokenizers.qwen3().encode(chat, false);
    assertEquals(151644, qwen.ids()[0]);
    assertEquals(6, qwen.size());
    assertEquals(151645, qwen.ids()[4]);
  }

  @Test
  void spansLineUpWithTextIncludingEmoji() {
    for (HfTokenizer tok : new HfTokenizer[] {TestTokenizers.tinyLlama(), TestTokenizers.qwen3(), TestTokenizers.mistral()}) {
      String text = "naïve 😀 café,\n  x²</s>end";
      Encoded e = tok.encode(text, true);
      int covered = 0;
      for (int i = 0; i < e.size(); i++) {
        if (!e.hasSpan(i)) continue;
        assertTrue(e.starts()[i] >= covered - 2 && e.starts()[i] <= e.ends()[i] && e.ends()[i] <= text.length(), "token " + i);
        covered = Math.max(covered, e.ends()[i]);
      }
      assertEquals(text.length(), covered, "the last token ends at the end of the text");
      // the emoji's tokens cover exactly its two UTF-16 units
      int emoji = text.indexOf("😀");
      boolean found = false;
      for (int i = 0; i < e.size(); i++) {
        if (e.hasSpan(i) && e.starts()[i] <= emoji && e.ends()[i] >= emoji + 2) found = true;
      }
      assertTrue(found);
      int end = text.indexOf("end");
      int last = e.size() - 1;
      assertEquals("end", text.substring(e.starts()[last], e.ends()[last]).strip());
      assertTrue(e.ends()[last] == end + 3);
    }
  }

  @Test
  void decodeRoundTrips() {
    String text = "Hello world, naïve café 😀\nline two";
    for (HfTokenizer tok : new HfTokenizer[] {TestTokenizers.tinyLlama(), TestTokenizers.qwen3(), TestTokenizers.mistral()}) {
      int[] ids = tok.encode(text, true).ids();
      assertEquals(text, tok.decode(ids, true));
      assertArrayEquals(ids, tok.encodeIds(text, true));
    }
    assertEquals("<s> Hi</s>", TestTokenizers.tinyLlama().decode(new int[] {1, 6324, 2}, false));
  }

  @Test
  void longTextIsNotTruncated() {
    assertEquals(3001, TestTokenizers.tinyLlama().encode("word ".repeat(3000).strip(), true).size());
  }

  @Test
  void fromDirectoryMatchesCached() throws Exception {
    HfTokenizer dir = HfTokenizer.fromDirectory(Fixtures.tokenizerDir("mistral-7b-v0.1"));
    assertArrayEquals(TestTokenizers.mistral().encode("Bonjour", true).ids(), dir.encode("Bonjour", true).ids());
    assertSame(TestTokenizers.mistral(), TestTokenizers.mistral());
  }

  @Test
  void cachedReturnsOneInstancePerContent() throws Exception {
    var dir = Fixtures.tokenizerDir("mistral-7b-v0.1");
    byte[] json = Files.readAllBytes(dir.resolve("tokenizer.json"));
    byte[] config = Files.readAllBytes(dir.resolve("tokenizer_config.json"));
    HfTokenizer a = HfTokenizer.cached(json, config);
    assertSame(a, HfTokenizer.cached(json, config), "same arrays");
    assertSame(a, HfTokenizer.cached(json.clone(), config.clone()), "same content, other arrays");
    assertNotSame(a, HfTokenizer.cached(json, null), "another config is another tokenizer");
  }

  @Test
  void withoutConfigTheProcessorDecidesBos() throws Exception {
    byte[] json = Files.readAllBytes(Fixtures.tokenizerDir("mistral-7b-v0.1").resolve("tokenizer.json"));
    HfTokenizer tok = HfTokenizer.fromBytes(json, null);
    assertTrue(tok.addBosToken());
    assertEquals("<s>", tok.bosToken());
    assertEquals("</s>", tok.eosToken());
    assertNull(tok.chatTemplate());
  }

  @Test
  void configOverridesAndNamedTemplates() throws Exception {
    byte[] json = Files.readAllBytes(Fixtures.tokenizerDir("tinyllama-1.1b-chat-v1.0").resolve("tokenizer.json"));
    String config = "{\"bos_token\": {\"content\": \"<s>\", \"special\": true}, \"eos_token\": \"</s>\", \"add_bos_token\": false,"
        + " \"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"}, {\"name\": \"default\", \"template\": \"D\"}]}";
    HfTokenizer tok = HfTokenizer.fromBytes(json, config.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertEquals("D", tok.chatTemplate());
    assertEquals("<s>", tok.bosToken());
    assertFalse(tok.addBosToken(), "an explicit add_bos_token wins over the post-processor");
  }

  @Test
  void badJsonNamesTheFile() {
    NomoatException e = assertThrows(NomoatException.class, () -> HfTokenizer.fromBytes("{".getBytes(), null));
    assertTrue(e.getMessage().contains("tokenizer.json"));
    assertEquals(NomoatException.ExitCode.CONFIG, e.exitCode());
  }

  @Test
  void textTheNativeTokenizerCannotTakeIsOneInputErrorBeforeReachingIt() {
    HfTokenizer tok = TestTokenizers.tinyLlama();
    // a lone surrogate has no UTF-8 form (DJL used to hand back offsets past the string's end: AIOOBE);
    // null panics inside the native library and aborts the JVM
    String[][] cases = {{"ok \ud83d end", "unpaired surrogate U+D83D at index 3"}, {"\udc00", "unpaired surrogate U+DC00 at index 0"},
        {"end \ud83d", "unpaired surrogate U+D83D at index 4"}, {null, "null"}};
    for (String[] c : cases) {
      for (boolean offsets : new boolean[] {true, false}) {
        NomoatException e = assertThrows(NomoatException.class, () -> {
          if (offsets) tok.encode(c[0], true);
          else tok.encodeIds(c[0], true);
        });
        assertEquals(NomoatException.ExitCode.INPUT_DATA, e.exitCode());
        assertTrue(e.getMessage().contains(c[1]), e.getMessage());
      }
    }
    assertNull(TokenizableText.problem("pairs 😀 and NUL \u0000 are fine"));
    assertArrayEquals(new int[] {263, 3, 29890}, tok.encodeIds("a\u0000b", false), "NUL reaches the tokenizer intact");
  }

  @Test
  void truncatedTokenizerJsonIsOneLineNamingThePath() throws Exception {
    byte[] json = Files.readAllBytes(Fixtures.tokenizerDir("tinyllama-1.1b-chat-v1.0").resolve("tokenizer.json"));
    byte[] cut = java.util.Arrays.copyOf(json, json.length / 2);
    NomoatException e = assertThrows(NomoatException.class, () -> HfTokenizer.fromBytes("hdfs://nn/tok/tokenizer.json", cut, null));
    assertEquals(NomoatException.ExitCode.CONFIG, e.exitCode());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    assertTrue(e.getMessage().startsWith("hdfs://nn/tok/tokenizer.json is not valid JSON"), e.getMessage());
    assertTrue(e.getMessage().contains("line "), e.getMessage());
    assertFalse(e.getMessage().contains("Source"), e.getMessage());
    NomoatException cfg = assertThrows(NomoatException.class,
        () -> HfTokenizer.fromBytes("/t/tokenizer.json", json, "{\"bos_token\": ".getBytes()));
    assertTrue(cfg.getMessage().startsWith("/t/tokenizer_config.json is not valid JSON"), cfg.getMessage());
    assertEquals(1, cfg.getMessage().lines().count(), cfg.getMessage());
    NomoatException notTokenizer = assertThrows(NomoatException.class, () -> HfTokenizer.fromBytes("/t/tokenizer.json", "{}".getBytes(), null));
    assertTrue(notTokenizer.getMessage().startsWith("/t/tokenizer.json could not be loaded"), notTokenizer.getMessage());
    assertEquals(1, notTokenizer.getMessage().lines().count(), notTokenizer.getMessage());
  }
}
