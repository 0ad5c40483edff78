package nomoat.pipeline.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import nomoat.pipeline.config.ExportSettings;
import nomoat.pipeline.config.ModelSettings;
import nomoat.pipeline.format.PeftAdapterDir;
import nomoat.pipeline.format.Safetensors;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.model.LoraMerge;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.LlamaWeights;
import nomoat.pipeline.model.Batch;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.format.LoadedModel;
import nomoat.pipeline.format.ModelLoader;
import nomoat.pipeline.model.Scoring;
import nomoat.pipeline.model.TinyModels;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Export round trips on the real stories260K model: the merged checkpoint, loaded back, is base + adapter. */
class ModelExportTest {
  static final Configuration CONF = new Configuration();
  static final ObjectMapper JSON = new ObjectMapper();
  static LoadedModel base;
  static LoraAdapter adapter;
  @TempDir static Path tmp;
  static Path adapterDir;

  @BeforeAll
  static void adapterOnStories260K() {
    base = ModelLoader.load(CONF, Fixtures.stories260K().toString());
    LoraSpec spec = new LoraSpec(4, 8, 0, Set.copyOf(LoraSpec.ALL_MODULES), null, false);
    adapter = trainedSize(TinyModels.adapter(base.config(), spec, DataType.FLOAT, 11));
    adapterDir = tmp.resolve("trained-adapter");
    PeftAdapterDir.write(CONF, adapterDir.toString(), adapter, null, Safetensors.Dtype.F32);
  }

  /** Random A, and B at the scale a few hundred training steps reach (std 0.03 instead of TinyModels' 0.3). */
  static LoraAdapter trainedSize(LoraAdapter ad) {
    Map<String, INDArray> b = new TreeMap<>();
    ad.b().forEach((k, v) -> b.put(k, v.mul(0.1)));
    return new LoraAdapter(ad.spec(), ad.a(), b);
  }

  static ExportSettings settings(List<String> write, String dtype, long maxShard) {
    return new ExportSettings("unused", adapterDir.toString(), write.contains("adapter"), write.contains("merged"), dtype, "float32", maxShard, "org/base");
  }

  /** Logits computed in float64, so that what is compared is the stored weights, not float32 summation order. */
  static INDArray logits(LlamaModel model, List<LoraAdapter> adapters) {
    model = new LlamaModel(toDouble(model.weights()));
    adapters = adapters.stream().map(ModelExportTest::toDouble).toList();
    int[] ids = TinyModels.randomIds(new Random(3), 2 * 24, base.config().vocabSize());
    ids[0] = ids[24] = base.config().bosTokenId();
    return Scoring.logits(model, adapters, new Batch(2, 24, ids, ids.clone(), null, null, null));
  }

  static LlamaWeights toDouble(LlamaWeights w) {
    Map<String, INDArray> t = new TreeMap<>();
    w.tensors().forEach((k, v) -> t.put(k, v.castTo(DataType.DOUBLE)));
    return new LlamaWeights(w.config(), t);
  }

  static LoraAdapter toDouble(LoraAdapter ad) {
    Map<String, INDArray> a = new TreeMap<>(), b = new TreeMap<>();
    ad.a().forEach((k, v) -> a.put(k, v.castTo(DataType.DOUBLE)));
    ad.b().forEach((k, v) -> b.put(k, v.castTo(DataType.DOUBLE)));
    return new LoraAdapter(ad.spec(), a, b);
  }

  @Test
  void mergedCheckpointLoadedBackGivesTheLogitsOfBasePlusAdapter() throws Exception {
    Path out = tmp.resolve("f32");
    ModelExport.Result r = ModelExport.write(CONF, new ModelSettings(Fixtures.stories260K().toString(), List.of()),
        settings(List.of("adapter", "merged"), "float32", 300_000), out.toString());
    Path merged = out.resolve(ModelExport.MERGED_DIR);
    // ~1 MB of float32 weights in shards of at most 300 kB: an index and several files
    assertTrue(r.mergedShards() >= 3, r.toString());
    JsonNode index = JSON.readTree(merged.resolve("model.safetensors.index.json").toFile());
    assertEquals(r.mergedBytes() > 0, index.path("metadata").path("total_size").asLong() > 0);
    try (Stream<Path> files = Files.list(merged)) {
      assertEquals(r.mergedShards(), files.filter(p -> p.toString().endsWith(".safetensors")).count());
    }
    for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json"))
      assertTrue(Files.isRegularFile(merged.resolve(f)), f);
    assertArrayEquals(base.tokenizerJson(), Files.readAllBytes(merged.resolve("tokenizer.json")));
    JsonNode gen = JSON.readTree(merged.resolve("generation_config.json").toFile());
    assertEquals(base.config().bosTokenId(), gen.get("bos_token_id").asInt());
    assertEquals(base.config().eosTokenIds().get(0), gen.get("eos_token_id").asInt());

    LoadedModel back = ModelLoader.load(CONF, merged.toString());
    INDArray expected = logits(new LlamaModel(base.weights()), List.of(adapter));
    INDArray plain = logits(new LlamaModel(base.weights()), List.of());
    INDArray actual = logits(new LlamaModel(back.weights()), List.of());
    double adapterEffect = expected.sub(plain).amaxNumber().doubleValue();
    double diff = expected.sub(actual).amaxNumber().doubleValue();
    assertTrue(adapterEffect > 1e-2, "the adapter must change the logits: " + adapterEffect);
    assertTrue(diff < 1e-5, "merged checkpoint vs base + adapter: " + diff);
    assertEquals(base.config(), back.config());
    // and the files hold exactly the weights merged in memory
    LlamaWeights inMemory = LoraMerge.merge(base.weights(), adapter);
    for (String name : inMemory.tensors().keySet()) assertEquals(inMemory.get(name), back.weights().get(name), name);

    // the exported PEFT directory is the adapter, and names the base given
    LoraAdapter exported = PeftAdapterDir.read(CONF, out.resolve(ModelExport.ADAPTER_DIR).toString(), base.config());
    assertEquals(adapter.spec(), exported.spec());
    assertEquals(adapter.a(), exported.a());
    assertEquals(adapter.b(), exported.b());
    JsonNode cfg = JSON.readTree(out.resolve("adapter/adapter_config.json").toFile());
    assertEquals("org/base", cfg.get("base_model_name_or_path").asText());
  }

  @Test
  void bfloat16ExportHalvesTheWeightsAndStaysCloseToFloat32() throws Exception {
    Path out = tmp.resolve("bf16");
    ModelExport.Result r = ModelExport.write(CONF, new ModelSettings(Fixtures.stories260K().toString(), List.of()),
        settings(List.of("merged"), "bfloat16", 5L << 30), out.toString());
    assertEquals(1, r.mergedShards());
    assertTrue(Files.isRegularFile(out.resolve("merged/model.safetensors")));
    assertTrue(Files.notExists(out.resolve(ModelExport.ADAPTER_DIR)), "write = [merged] writes no adapter dir");
    assertEquals("bfloat16", JSON.readTree(out.resolve("merged/config.json").toFile()).get("torch_dtype").asText());
    try (Safetensors.Reader reader = Safetensors.open(CONF, out.resolve("merged/model.safetensors").toString())) {
      reader.tensors().values().forEach(t -> assertEquals(Safetensors.Dtype.BF16, t.dtype(), t.name()));
    }
    // every weight is the float32 merge rounded to bfloat16 (8 significant bits)
    LoadedModel back = ModelLoader.load(CONF, out.resolve("merged").toString());
    LlamaWeights inMemory = LoraMerge.merge(base.weights(), adapter);
    for (String name : inMemory.tensors().keySet()) {
      INDArray want = inMemory.get(name), got = back.weights().get(name);
      double worst = got.sub(want).div(Transforms.abs(want).add(1e-30)).amaxNumber().doubleValue();
      assertTrue(worst <= 1.0 / 256, name + ": relative error " + worst);
    }
  }

  @Test
  void stackedModelAdaptersAreMergedTooAndAdapterOnlyNeedsNoBase() throws Exception {
    LoraAdapter first = trainedSize(TinyModels.adapter(base.config(), new LoraSpec(2, 4, 0, Set.of("q_proj", "v_proj"), null, false), DataType.FLOAT, 5));
    Path firstDir = tmp.resolve("first-adapter");
    PeftAdapterDir.write(CONF, firstDir.toString(), first, null, Safetensors.Dtype.F32);
    Path out = tmp.resolve("stacked");
    ModelExport.write(CONF, new ModelSettings(Fixtures.stories260K().toString(), List.of(new ModelSettings.AdapterRef(firstDir.toString(), "merge"))),
        settings(List.of("merged"), "float32", 5L << 30), out.toString());
    LoadedModel back = ModelLoader.load(CONF, out.resolve("merged").toString());
    double diff = logits(new LlamaModel(base.weights()), List.of(first, adapter)).sub(logits(new LlamaModel(back.weights()), List.of()))
        .amaxNumber().doubleValue();
    assertTrue(diff < 1e-5, "base + both adapters: " + diff);

    Path only = tmp.resolve("adapter-only");
    ModelExport.Result r = ModelExport.write(CONF, new ModelSettings("", List.of()), settings(List.of("adapter"), "float32", 1), only.toString());
    assertEquals(0, r.mergedShards());
    assertEquals(adapter.a(), PeftAdapterDir.read(CONF, only.resolve("adapter").toString()).a());
  }
}
