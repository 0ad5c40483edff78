package nomoat.pipeline.format;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaWeights;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class PeftAdapterDirTest {
  static final Configuration CONF = new Configuration();
  static final LlamaConfig BASE = HfCheckpointTest.smallConfig(false); // hidden 16, 2 layers, q 16, kv 8, ffn 24

  static LoraAdapter randomAdapter(LoraSpec spec) {
    Nd4j.getRandom().setSeed(3);
    Map<String, long[]> shapes = HfCheckpoint.expectedShapes(BASE);
    Map<String, INDArray> a = new HashMap<>(), b = new HashMap<>();
    for (int layer = 0; layer < BASE.numLayers(); layer++)
      for (String m : spec.targetModules()) {
        if (!spec.adapts(layer, m)) continue;
        String path = LlamaWeights.modulePath(layer, m);
        long[] w = shapes.get(path + ".weight");
        a.put(path, Nd4j.randn(DataType.FLOAT, spec.r(), w[1]));
        b.put(path, Nd4j.randn(DataType.FLOAT, w[0], spec.r()));
      }
    return new LoraAdapter(spec, a, b);
  }

  @Test
  void roundTripKeepsSpecTensorsAndPeftLayout(@TempDir Path dir) throws IOException {
    LoraSpec spec = new LoraSpec(4, 8, 0.05, Set.of("q_proj", "v_proj", "down_proj"), null, false);
    LoraAdapter ad = randomAdapter(spec);
    PeftAdapterDir.write(CONF, dir.toString(), ad, "TinyLlama/TinyLlama-1.1B-Chat-v1.0", Safetensors.Dtype.F32);

    JsonNode c = new ObjectMapper().readTree(dir.resolve("adapter_config.json").toFile());
    assertEquals("LORA", c.get("peft_type").asText());
    assertEquals("CAUSAL_LM", c.get("task_type").asText());
    assertEquals(4, c.get("r").asInt());
    assertTrue(c.get("lora_alpha").isIntegralNumber());
    assertEquals(8, c.get("lora_alpha").asInt());
    assertEquals(0.05, c.get("lora_dropout").asDouble());
    assertEquals(List.of("down_proj", "q_proj", "v_proj"), List.of(c.get("target_modules").get(0).asText(),
        c.get("target_modules").get(1).asText(), c.get("target_modules").get(2).asText()));
    assertEquals("none", c.get("bias").asText());
    assertTrue(c.get("layers_to_transform").isNull());
    assertTrue(c.get("modules_to_save").isNull());
    assertTrue(c.get("revision").isNull());
    assertTrue(c.get("inference_mode").asBoolean());
    assertTrue(c.get("init_lora_weights").asBoolean());
    assertFalse(c.get("fan_in_fan_out").asBoolean());
    assertFalse(c.get("use_dora").asBoolean());
    assertFalse(c.get("use_rslora").asBoolean());
    assertEquals("TinyLlama/TinyLlama-1.1B-Chat-v1.0", c.get("base_model_name_or_path").asText());

    try (Safetensors.Reader r = Safetensors.open(CONF, dir.resolve("adapter_model.safetensors").toString())) {
      assertEquals("pt", r.metadata().get("format"));
      assertEquals(12, r.tensors().size());
      assertArrayEquals(new long[] {4, 16}, r.info("base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight").shape());
      assertArrayEquals(new long[] {8, 4}, r.info("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight").shape());
      assertArrayEquals(new long[] {16, 4}, r.info("base_model.model.model.layers.0.mlp.down_proj.lora_B.weight").shape());
    }

    LoraAdapter back = PeftAdapterDir.read(CONF, dir.toString(), BASE);
    assertEquals(spec, back.spec());
    assertEquals(ad.a().keySet(), back.a().keySet());
    for (String k : ad.a().keySet()) {
      assertEquals(ad.a().get(k), back.a().get(k), k);
      assertEquals(ad.b().get(k), back.b().get(k), k);
    }
  }

  @Test
  void roundTripWithLayersAndRslora(@TempDir Path dir) {
    LoraSpec spec = new LoraSpec(2, 3.5, 0.0, Set.of("o_proj", "gate_proj", "up_proj"), List.of(1), true);
    PeftAdapterDir.write(CONF, dir.toString(), randomAdapter(spec), null, Safetensors.Dtype.BF16);
    LoraAdapter back = PeftAdapterDir.read(CONF, dir.toString(), BASE);
    assertEquals(spec, back.spec());
    assertEquals(3, back.a().size());
  }

  /** A directory as PEFT itself may write it: adapter name in the keys, target_modules a regex string. */
  @Test
  void readsPeftWrittenVariants(@TempDir Path dir) throws IOException {
    LoraSpec spec = new LoraSpec(4, 16, 0.1, Set.of("q_proj", "k_proj"), List.of(0), false);
    LoraAdapter ad = randomAdapter(spec);
    Map<String, INDArray> t = new TreeMap<>();
    for (String m : ad.a().keySet()) {
      t.put("base_model.model." + m + ".lora_A.default.weight", ad.a().get(m));
      t.put("base_model.model." + m + ".lora_B.default.weight", ad.b().get(m));
    }
    Safetensors.write(CONF, dir.resolve("adapter_model.safetensors").toString(), t, Safetensors.Dtype.F32, null);
    ObjectNode c = (ObjectNode) new ObjectMapper().readTree(PeftAdapterDir.configJson(spec, "base"));
    c.put("target_modules", "model\\.layers\\.0\\.self_attn\\.(q_proj|k_proj)");
    c.putNull("layers_to_transform");
    c.put("eva_config", (String) null); // a field from a newer PEFT
    Files.write(dir.resolve("adapter_config.json"), new ObjectMapper().writeValueAsBytes(c));

    LoraAdapter back = PeftAdapterDir.read(CONF, dir.toString(), BASE);
    assertEquals(Set.of("q_proj", "k_proj"), back.spec().targetModules());
    assertEquals(List.of(0), back.spec().layersToTransform());
    assertEquals(ad.a().get("model.layers.0.self_attn.k_proj"), back.a().get("model.layers.0.self_attn.k_proj"));
  }

  static void assertRefused(Path dir, String fragment) {
    NomoatException e = assertThrows(NomoatException.class, () -> PeftAdapterDir.read(CONF, dir.toString(), BASE));
    assertEquals(NomoatException.ExitCode.INPUT_DATA, e.exitCode());
    assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains(fragment), e.getMessage());
  }

  @Test
  void refusesWhatItCannotLoadFaithfully(@TempDir Path dir) throws IOException {
    Files.write(dir.resolve("adapter_config.json"), PeftAdapterDir.configJson(new LoraSpec(4, 8, 0, Set.of("q_proj"), null, false), "b"));
    Files.write(dir.resolve("adapter_model.bin"), new byte[] {(byte) 0x80, 2});
    assertRefused(dir, "safe_serialization");
    Files.delete(dir.resolve("adapter_model.bin"));

    LoraSpec spec = new LoraSpec(4, 8, 0, Set.of("q_proj"), null, false);
    LoraAdapter ad = randomAdapter(spec);
    PeftAdapterDir.write(CONF, dir.toString(), ad, "b", Safetensors.Dtype.F32);
    ObjectNode c = (ObjectNode) new ObjectMapper().readTree(dir.resolve("adapter_config.json").toFile());
    c.put("use_dora", true);
    Files.write(dir.resolve("adapter_config.json"), new ObjectMapper().writeValueAsBytes(c));
    assertRefused(dir, "DoRA");

    c.put("use_dora", false);
    c.putArray("target_modules").add("q_proj").add("v_proj");
    Files.write(dir.resolve("adapter_config.json"), new ObjectMapper().writeValueAsBytes(c));
    assertRefused(dir, "lacks LoRA tensors for model.layers.0.self_attn.v_proj");

    c.putArray("target_modules").add("q_proj").add("lm_head");
    Files.write(dir.resolve("adapter_config.json"), new ObjectMapper().writeValueAsBytes(c));
    assertRefused(dir, "lm_head");

    c.putArray("target_modules").add("q_proj");
    Files.write(dir.resolve("adapter_config.json"), new ObjectMapper().writeValueAsBytes(c));
    Map<String, INDArray> t = new TreeMap<>(Safetensors.read(CONF, dir.resolve("adapter_model.safetensors").toString()));
    t.remove("base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight");
    Safetensors.write(CONF, dir.resolve("adapter_model.safetensors").toString(), t, Safetensors.Dtype.F32, null);
    assertRefused(dir, "model.layers.1.self_attn.q_proj has lora_A but no lora_B");

    t.put("base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight", Nd4j.zeros(DataType.FLOAT, 8, 4));
    Safetensors.write(CONF, dir.resolve("adapter_model.safetensors").toString(), t, Safetensors.Dtype.F32, null);
    assertRefused(dir, "do not fit the base weight [16, 16]");
  }
}
