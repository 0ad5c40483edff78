package nomoat.pipeline.format;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizer.json rebuilt from stories260K.gguf, checked with DJL and against llama2.c's encoder on tok512.bin. */
class GgufTokenizerTest {
  static final String LILY = "Once upon a time, there was a little girl named Lily.";
  static final List<String> SENTENCES = List.of(LILY,
      "She loved to play outside in the park. One day, she saw a big, red ball!",
      "Tom and  Sue said: \"Let's go home\" (quickly) 123 + 45 = 168?",
      "Zoë's café — naïve ☃ 日本",
      " leading space and trailing space ");

  static LoadedModel model;

  @BeforeAll
  static void load() {
    model = ModelLoader.load(new Configuration(), Fixtures.stories260K().toString());
  }

  static HuggingFaceTokenizer djl(Path dir) throws IOException {
    Files.write(dir.resolve("tokenizer.json"), model.tokenizerJson());
    Files.write(dir.resolve("tokenizer_config.json"), model.tokenizerConfigJson());
    return HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"));
  }

  @Test
  void djlEncodesWithBosAndDecodesBack(@TempDir Path dir) throws IOException {
    try (HuggingFaceTokenizer tok = djl(dir)) {
      Encoding e = tok.encode(LILY);
      long[] ids = e.getIds();
      assertEquals(1, ids[0], "BOS first");
      assertTrue(ids.length < LILY.length() / 2, "merges applied: " + Arrays.toString(ids));
      assertEquals(LILY, tok.decode(ids, true));
      for (String s : SENTENCES) assertEquals(s, tok.decode(tok.encode(s).getIds(), true), s);
    }
  }

  @Test
  void tokenizerConfigNamesTheSpecialTokens() throws IOException {
    JsonNode c = new ObjectMapper().readTree(model.tokenizerConfigJson());
    assertEquals("<s>", c.get("bos_token").asText());
    assertEquals("</s>", c.get("eos_token").asText());
    assertEquals("<unk>", c.get("unk_token").asText());
    assertTrue(c.get("add_bos_token").asBoolean());
    assertFalse(c.get("add_eos_token").asBoolean());
    JsonNode t = new ObjectMapper().readTree(model.tokenizerJson());
    assertEquals(3, t.get("added_tokens").size());
    assertTrue(t.get("model").get("byte_fallback").asBoolean());
  }

  @Test
  void agreesWithLlama2cGreedyBpeOnTok512(@TempDir Path dir) throws IOException {
    Llama2cTokenizer ref = Llama2cTokenizer.read(Fixtures.path("models/stories260K/derived-llama2c/tok512.bin"), 512);
    try (HuggingFaceTokenizer tok = djl(dir)) {
      for (String s : SENTENCES) {
        long[] hf = tok.encode(s).getIds();
        int[] want = ref.encode(s, true);
        assertArrayEquals(Arrays.stream(want).asLongStream().toArray(), hf, s);
      }
    }
  }

  /** llama2.c run.c's tokenizer (encode with BOS, dummy prefix, byte fallback +3, greedy best-score merges), test-only. */
  static final class Llama2cTokenizer {
    final String[] vocab;
    final float[] scores;
    final Map<String, Integer> ids = new HashMap<>();

    Llama2cTokenizer(String[] vocab, float[] scores) {
      this.vocab = vocab;
      this.scores = scores;
      for (int i = 0; i < vocab.length; i++) ids.putIfAbsent(vocab[i], i);
    }

    static Llama2cTokenizer read(Path file, int n) throws IOException {
      byte[] all = Files.readAllBytes(file);
      ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
      b.getInt(); // max_token_length
      String[] vocab = new String[n];
      float[] scores = new float[n];
      for (int i = 0; i < n; i++) {
        scores[i] = b.getFloat();
        byte[] s = new byte[b.getInt()];
        b.get(s);
        vocab[i] = new String(s, StandardCharsets.UTF_8);
      }
      return new Llama2cTokenizer(vocab, scores);
    }

    int[] encode(String text, boolean bos) {
      List<Integer> t = new ArrayList<>();
      if (bos) t.add(1);
      if (!text.isEmpty()) t.add(ids.get(" "));
      text.codePoints().forEach(cp -> {
        String c = new String(Character.toChars(cp));
        Integer id = ids.get(c);
        if (id != null) t.add(id);
        else for (byte x : c.getBytes(StandardCharsets.UTF_8)) t.add((x & 0xff) + 3);
      });
      while (true) {
        float best = -1e10f;
        int bestId = -1, bestIdx = -1;
        for (int i = (bos ? 1 : 0); i < t.size() - 1; i++) {
          Integer id = ids.get(vocab[t.get(i)] + vocab[t.get(i + 1)]);
          if (id != null && scores[id] > best) {
            best = scores[id];
            bestId = id;
            bestIdx = i;
          }
        }
        if (bestIdx == -1) break;
        t.set(bestIdx, bestId);
        t.remove(bestIdx + 1);
      }
      return t.stream().mapToInt(Integer::intValue).toArray();
    }
  }
}
