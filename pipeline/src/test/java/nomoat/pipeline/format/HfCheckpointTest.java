package nomoat.pipeline.format;

import nomoat.pipeline.model.HalfFloats;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaWeights;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class HfCheckpointTest {
  static final Configuration CONF = new Configuration();

  static LlamaConfig smallConfig(boolean tied) {
    return new LlamaConfig(40, 16, 24, 2, 4, 2, 4, 1e-6, 500000.0, new LlamaConfig.RopeScaling(8, 1, 4, 64), 128, tied, false, 1,
        List.of(2, 3), "bfloat16");
  }

  static LlamaWeights randomWeights(LlamaConfig c) {
    Nd4j.getRandom().setSeed(42);
    Map<String, INDArray> t = new HashMap<>();
    HfCheckpoint.expectedShapes(c).forEach((name, shape) -> t.put(name, Nd4j.randn(DataType.FLOAT, shape)));
    return new LlamaWeights(c, t);
  }

  static Map<String, byte[]> tinyllamaTokenizer() {
    return TokenizerFiles.all(CONF, Fixtures.tokenizerDir("tinyllama-1.1b-chat-v1.0").toString());
  }

  @Test
  void shardedBf16CheckpointLoadsBackToBf16Precision(@TempDir Path dir) throws IOException {
    LlamaConfig c = smallConfig(false);
    LlamaWeights w = randomWeights(c);
    long total = 0, firstHalf = 0;
    for (INDArray t : w.tensors().values()) total += t.length() * 2;
    for (INDArray t : w.tensors().values()) { // name order, as the writer fills shards
      if (firstHalf >= total / 2) break;
      firstHalf += t.length() * 2;
    }
    HfCheckpoint.write(CONF, dir.toString(), w, Safetensors.Dtype.BF16, Math.max(firstHalf, total - firstHalf), tinyllamaTokenizer());

    assertTrue(Files.exists(dir.resolve("model-00001-of-00002.safetensors")));
    assertTrue(Files.exists(dir.resolve("model-00002-of-00002.safetensors")));
    assertFalse(Files.exists(dir.resolve("model.safetensors")));
    for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"))
      assertTrue(Files.exists(dir.resolve(f)), f);
    JsonNode index = new ObjectMapper().readTree(dir.resolve("model.safetensors.index.json").toFile());
    assertEquals(total, index.get("metadata").get("total_size").asLong());
    assertEquals(w.tensors().size(), index.get("weight_map").size());
    JsonNode cfg = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
    assertEquals("bfloat16", cfg.get("torch_dtype").asText());
    assertEquals("llama3", cfg.get("rope_scaling").get("rope_type").asText());

    LoadedModel m = ModelLoader.load(CONF, dir.toUri().toString());
    assertEquals(c, m.config());
    assertArrayEquals(Files.readAllBytes(Fixtures.tokenizerDir("tinyllama-1.1b-chat-v1.0").resolve("tokenizer.json")), m.tokenizerJson());
    assertEquals(w.tensors().keySet(), m.weights().tensors().keySet());
    for (String name : w.tensors().keySet()) {
      float[] want = w.get(name).dup().data().asFloat(), got = m.weights().get(name).data().asFloat();
      for (int i = 0; i < want.length; i++) assertEquals(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(want[i])), got[i], name);
    }
  }

  @Test
  void stories260KSurvivesGgufToHfAndBack(@TempDir Path dir) {
    LoadedModel g = ModelLoader.load(CONF, Fixtures.stories260K().toString());
    HfCheckpoint.write(CONF, dir.toString(), g.weights(), Safetensors.Dtype.F32, 1L << 30,
        Map.of("tokenizer.json", g.tokenizerJson(), "tokenizer_config.json", g.tokenizerConfigJson()));
    assertTrue(Files.exists(dir.resolve("model.safetensors")));
    assertFalse(Files.exists(dir.resolve("model.safetensors.index.json")));
    LoadedModel h = ModelLoader.load(CONF, dir.toString());
    assertEquals(g.config(), h.config());
    assertFalse(h.weights().has("lm_head.weight")); // tied
    for (String name : g.weights().tensors().keySet()) assertEquals(g.weights().get(name), h.weights().get(name), name);
    assertArrayEquals(g.tokenizerJson(), h.tokenizerJson());

    // what a Spark driver reads instead of the weights: the same config and tokenizer, from either format
    long bytes = 0;
    for (INDArray t : g.weights().tensors().values()) bytes += t.length() * 4;
    for (String uri : List.of(Fixtures.stories260K().toString(), dir.toString())) {
      ModelHeader header = ModelLoader.header(CONF, uri);
      assertEquals(g.config(), header.config(), uri);
      assertArrayEquals(g.tokenizerJson(), header.tokenizerJson(), uri);
      assertArrayEquals(g.tokenizerConfigJson(), header.tokenizerConfigJson(), uri);
      assertEquals(bytes, header.weightBytes(), uri);
    }
  }

  static LlamaConfig parse(String json) {
    return HfCheckpoint.parseConfig("/m/config.json", json.getBytes(StandardCharsets.UTF_8));
  }

  static void assertConfigRefused(String json, String fragment) {
    NomoatException e = assertThrows(NomoatException.class, () -> parse(json));
    assertEquals(NomoatException.ExitCode.INPUT_DATA, e.exitCode());
    assertTrue(e.getMessage().contains("/m/config.json") && e.getMessage().contains(fragment), e.getMessage());
  }

  static final String BASE = "\"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 2, \"num_attention_heads\": 4, "
      + "\"vocab_size\": 100";

  @Test
  void readsARealConfigAndTheDefaults() {
    LlamaConfig t = HfCheckpoint.readConfig(CONF, Fixtures.tokenizerDir("tinyllama-1.1b-chat-v1.0").toString());
    assertEquals(new LlamaConfig(32000, 2048, 5632, 22, 32, 4, 64, 1e-5, 10000.0, null, 2048, false, false, 1, List.of(2), "bfloat16"), t);

    LlamaConfig d = parse("{\"architectures\": [\"LlamaForCausalLM\"], " + BASE + "}");
    assertEquals(4, d.numKvHeads());
    assertEquals(16, d.headDim());
    assertEquals(1e-6, d.rmsNormEps());
    assertEquals(List.of(2), d.eosTokenIds());
    assertEquals("float32", d.torchDtype());

    LlamaConfig l3 = parse("{\"architectures\": [\"LlamaForCausalLM\"], " + BASE + ", \"num_key_value_heads\": 2, \"head_dim\": 32, "
        + "\"eos_token_id\": [128001, 128008, 128009], \"rope_theta\": 500000.0, \"tie_word_embeddings\": true, \"torch_dtype\": \"bfloat16\", "
        + "\"rope_scaling\": {\"factor\": 32.0, \"high_freq_factor\": 4.0, \"low_freq_factor\": 1.0, "
        + "\"original_max_position_embeddings\": 8192, \"rope_type\": \"llama3\"}}");
    assertEquals(new LlamaConfig.RopeScaling(32, 1, 4, 8192), l3.ropeScaling());
    assertEquals(List.of(128001, 128008, 128009), l3.eosTokenIds());
    assertEquals(32, l3.headDim());
    assertTrue(l3.tieWordEmbeddings());
    assertEquals(500000.0, l3.ropeTheta());

    assertEquals(4, parse("{\"architectures\": [\"MistralForCausalLM\"], " + BASE + ", \"sliding_window\": null}").numHeads());
    // a config.json written by HfCheckpoint parses back to the same config
    assertEquals(l3, HfCheckpoint.parseConfig("x", HfCheckpoint.configJson(l3)));
  }

  @Test
  void unsupportedConfigsAreRefusedNamingTheFile() {
    assertConfigRefused("{\"architectures\": [\"Qwen2ForCausalLM\"], " + BASE + "}", "Qwen2ForCausalLM");
    assertConfigRefused("{\"architectures\": [\"MistralForCausalLM\"], " + BASE + ", \"sliding_window\": 4096}", "sliding_window");
    assertConfigRefused("{\"architectures\": [\"LlamaForCausalLM\"], " + BASE + ", \"attention_bias\": true}", "attention_bias");
    assertConfigRefused("{\"architectures\": [\"LlamaForCausalLM\"], " + BASE + ", \"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4}}",
        "yarn");
    assertConfigRefused("{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 64}", "lacks");
    assertConfigRefused("{\"architectures\": [\"LlamaForCausalLM\"], " + BASE + ", \"num_key_value_heads\": 3}", "num_key_value_heads");
    assertConfigRefused("{\"architectures\": [\"LlamaForCausalLM\"], " + BASE + ", \"torch_dtype\": \"int8\"}", "int8");
    assertConfigRefused("[", "not valid JSON");
  }

  @Test
  void wrongOrMissingTensorsAreNamed(@TempDir Path dir) throws IOException {
    LlamaConfig c = smallConfig(true);
    LlamaWeights w = randomWeights(c);
    HfCheckpoint.write(CONF, dir.toString(), w, Safetensors.Dtype.F32, 1L << 30, tinyllamaTokenizer());
    Map<String, INDArray> t = new HashMap<>(Safetensors.read(CONF, dir.resolve("model.safetensors").toString()));
    t.put("model.layers.1.self_attn.k_proj.weight", Nd4j.zeros(DataType.FLOAT, 4, 16));
    Safetensors.write(CONF, dir.resolve("model.safetensors").toString(), t, Safetensors.Dtype.F32, null);
    NomoatException e = assertThrows(NomoatException.class, () -> ModelLoader.load(CONF, dir.toString()));
    assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("model.layers.1.self_attn.k_proj.weight")
        && e.getMessage().contains("[4, 16]") && e.getMessage().contains("[8, 16]"), e.getMessage());
    assertEquals(e.getMessage(), assertThrows(NomoatException.class, () -> ModelLoader.header(CONF, dir.toString())).getMessage(),
        "the header alone refuses the same way");

    t.remove("model.layers.1.self_attn.k_proj.weight");
    Safetensors.write(CONF, dir.resolve("model.safetensors").toString(), t, Safetensors.Dtype.F32, null);
    e = assertThrows(NomoatException.class, () -> ModelLoader.load(CONF, dir.toString()));
    assertTrue(e.getMessage().contains("lacks tensor model.layers.1.self_attn.k_proj.weight"), e.getMessage());
    assertEquals(e.getMessage(), assertThrows(NomoatException.class, () -> ModelLoader.header(CONF, dir.toString())).getMessage());

    Files.delete(dir.resolve("model.safetensors"));
    Files.write(dir.resolve("pytorch_model.bin"), new byte[] {1});
    e = assertThrows(NomoatException.class, () -> ModelLoader.load(CONF, dir.toString()));
    assertTrue(e.getMessage().contains("safe_serialization"), e.getMessage());
  }

  @Test
  void modelLoaderRefusesWhatIsNotAModel(@TempDir Path dir) throws IOException {
    Files.write(dir.resolve("notes.txt"), "hello".getBytes());
    NomoatException e = assertThrows(NomoatException.class, () -> ModelLoader.load(CONF, dir.resolve("notes.txt").toString()));
    assertTrue(e.getMessage().contains("notes.txt") && e.getMessage().contains("neither"), e.getMessage());
    e = assertThrows(NomoatException.class, () -> ModelLoader.load(CONF, dir.toString()));
    assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    e = assertThrows(NomoatException.class, () -> ModelLoader.load(CONF, dir.resolve("absent").toString()));
    assertTrue(e.getMessage().contains("not found"), e.getMessage());
  }
}
