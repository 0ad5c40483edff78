package nomoat.pipeline.format;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import nomoat.pipeline.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SentencePiece -> tokenizer.json conversion at full size: Meta's Llama 2 tokenizer.model (32000 pieces)
 * converted here must match the tokenizer.json that transformers' LlamaConverter made from the same model
 * (TinyLlama's): same vocabulary, same merges, same encodings.
 */
class SpmTokenizerJsonTest {

  /** The pieces of a SentencePiece ModelProto (field 1: repeated {1: piece, 2: score, 3: type}); test-only parser. */
  static SpmTokenizerJson.Vocab readModelProto(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    List<String> pieces = new ArrayList<>();
    List<Float> scores = new ArrayList<>();
    List<Integer> types = new ArrayList<>();
    while (b.hasRemaining()) {
      long tag = varint(b);
      int field = (int) (tag >>> 3), wire = (int) (tag & 7);
      if (field == 1 && wire == 2) {
        int len = (int) varint(b);
        int end = b.position() + len;
        String piece = "";
        float score = 0;
        int type = SpmTokenizerJson.NORMAL;
        while (b.position() < end) {
          long t = varint(b);
          int f = (int) (t >>> 3), w = (int) (t & 7);
          if (f == 1) {
            byte[] s = new byte[(int) varint(b)];
            b.get(s);
            piece = new String(s, StandardCharsets.UTF_8);
          } else if (f == 2) score = b.getFloat();
          else if (f == 3) type = (int) varint(b);
          else skip(b, w);
        }
        pieces.add(piece);
        scores.add(score);
        types.add(type);
      } else skip(b, wire);
    }
    float[] sc = new float[scores.size()];
    int[] ty = new int[types.size()];
    for (int i = 0; i < sc.length; i++) {
      sc[i] = scores.get(i);
      ty[i] = types.get(i);
    }
    return new SpmTokenizerJson.Vocab(pieces, sc, ty, 0, 1, 2, null, true, false, true, 2048, null);
  }

  static long varint(ByteBuffer b) {
    long v = 0;
    for (int shift = 0; ; shift += 7) {
      byte x = b.get();
      v |= (long) (x & 0x7f) << shift;
      if (x >= 0) return v;
    }
  }

  static void skip(ByteBuffer b, int wire) {
    switch (wire) {
      case 0: varint(b); break;
      case 1: b.position(b.position() + 8); break;
      case 2: {
        int len = (int) varint(b);
        b.position(b.position() + len);
        break;
      }
      case 5: b.position(b.position() + 4); break;
      default: throw new IllegalStateException("wire type " + wire);
    }
  }

  @Test
  void llama2ModelConvertsLikeTransformers(@TempDir Path dir) throws IOException {
    SpmTokenizerJson.Vocab v = readModelProto(Fixtures.path("tokenizers/llama2-sentencepiece/tokenizer.model"));
    assertEquals(32000, v.pieces().size());
    SpmTokenizerJson.Files ours = SpmTokenizerJson.build(v);
    Path theirsFile = Fixtures.tokenizerDir("tinyllama-1.1b-chat-v1.0").resolve("tokenizer.json");
    ObjectMapper om = new ObjectMapper();
    JsonNode mine = om.readTree(ours.tokenizerJson()), theirs = om.readTree(theirsFile.toFile());
    assertEquals(theirs.get("model").get("vocab"), mine.get("model").get("vocab"));
    assertEquals(theirs.get("normalizer"), mine.get("normalizer"));
    assertEquals(theirs.get("decoder"), mine.get("decoder"));
    assertEquals(theirs.get("post_processor"), mine.get("post_processor"));
    assertEquals(theirs.get("added_tokens"), mine.get("added_tokens"));
    Set<String> mineMerges = new HashSet<>(), theirMerges = new HashSet<>();
    mine.get("model").get("merges").forEach(m -> mineMerges.add(m.asText()));
    theirs.get("model").get("merges").forEach(m -> theirMerges.add(m.asText()));
    assertEquals(theirMerges, mineMerges);
    List<String> mineList = new ArrayList<>(), theirList = new ArrayList<>();
    mine.get("model").get("merges").forEach(m -> mineList.add(m.asText()));
    theirs.get("model").get("merges").forEach(m -> theirList.add(m.asText()));
    assertEquals(theirList, mineList, "merge order");

    Files.write(dir.resolve("tokenizer.json"), ours.tokenizerJson());
    try (HuggingFaceTokenizer a = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"));
         HuggingFaceTokenizer b = HuggingFaceTokenizer.newInstance(theirsFile)) {
      for (String s : GgufTokenizerTest.SENTENCES) assertArrayEquals(b.encode(s).getIds(), a.encode(s).getIds(), s);
    }
  }
}
