package nomoat.pipeline.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.model.FrozenMatrix;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaWeights;
import nomoat.pipeline.model.WeightStorage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A Hugging Face LLaMA checkpoint directory: config.json, model.safetensors or shards named by
 * model.safetensors.index.json, and the tokenizer files. Reads into LlamaConfig + FP32 LlamaWeights
 * (checking every tensor's presence and shape before reading any), writes merged models back out.
 */
public final class HfCheckpoint {
  private HfCheckpoint() {}

  public static final String CONFIG = "config.json";
  public static final String SINGLE = "model.safetensors";
  public static final String INDEX = "model.safetensors.index.json";

  private static final long MAX_JSON_BYTES = 256L << 20;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  // ---------------------------------------------------------------- reading

  public static LoadedModel load(Configuration conf, String dir) {
    return load(conf, dir, WeightStorage.FLOAT32);
  }

  /** With the frozen matrices kept as storage says (STORED: BF16/F16 files stay 16-bit, memory-mapped when local). */
  public static LoadedModel load(Configuration conf, String dir, WeightStorage storage) {
    ModelHeader h = header(conf, dir, false);
    return new LoadedModel(h.config(), readWeights(conf, dir, h.config(), storage), h.tokenizerJson(), h.tokenizerConfigJson());
  }

  /** The model without its weights: config.json, tokenizer files, every tensor's name and shape checked; no tensor read. */
  public static ModelHeader header(Configuration conf, String dir) {
    return header(conf, dir, true);
  }

  private static ModelHeader header(Configuration conf, String dir, boolean checkTensors) {
    LlamaConfig config = readConfig(conf, dir);
    TokenizerFiles tok = TokenizerFiles.find(conf, dir);
    if (tok == null)
      throw NomoatException.inputData("model directory " + dir + " has no tokenizer.json (a tokenizer.model-only checkpoint must be "
          + "re-saved with a fast tokenizer)");
    byte[] tokenizerConfig = tok.tokenizerConfigJson() != null ? tok.tokenizerConfigJson() : "{}".getBytes();
    if (checkTensors) checkedWeights(conf, dir, config, WeightStorage.FLOAT32, false);
    return new ModelHeader(config, tok.tokenizerJson(), tokenizerConfig);
  }

  public static LlamaConfig readConfig(Configuration conf, String dir) {
    Path p = new Path(new Path(dir), CONFIG);
    if (!Storage.exists(conf, p)) throw NomoatException.inputData("no " + CONFIG + " in model directory " + dir);
    return parseConfig(p.toString(), Storage.readAll(conf, p, MAX_JSON_BYTES));
  }

  /** config.json text -> LlamaConfig; where names the file in messages. */
  public static LlamaConfig parseConfig(String where, byte[] json) {
    JsonNode c;
    try {
      c = JSON.readTree(json);
    } catch (IOException e) {
      throw NomoatException.inputData(where + " is not valid JSON: " + e.getMessage(), e);
    }
    if (c == null || !c.isObject()) throw NomoatException.inputData(where + " is not a JSON object");
    JsonNode archs = c.get("architectures");
    String arch = archs != null && archs.isArray() && archs.size() > 0 ? archs.get(0).asText()
        : "llama".equals(c.path("model_type").asText(null)) ? "LlamaForCausalLM" : String.valueOf(archs);
    if (arch.equals("MistralForCausalLM")) {
      JsonNode sw = c.get("sliding_window");
      if (sw != null && !sw.isNull())
        throw NomoatException.inputData(where + ": MistralForCausalLM with sliding_window " + sw + " is not supported (only null)");
    } else if (!arch.equals("LlamaForCausalLM")) {
      throw NomoatException.inputData(where + ": architecture " + arch + " is not supported (LlamaForCausalLM, or MistralForCausalLM "
          + "without sliding window)");
    }
    if (c.has("hidden_act") && !c.get("hidden_act").asText().equals("silu"))
      throw NomoatException.inputData(where + ": hidden_act '" + c.get("hidden_act").asText() + "' is not supported (silu)");
    if (c.path("attention_bias").asBoolean(false))
      throw NomoatException.inputData(where + ": attention_bias true is not supported (nomoat loads bias-free LLaMA attention)");
    if (c.path("mlp_bias").asBoolean(false))
      throw NomoatException.inputData(where + ": mlp_bias true is not supported");
    int hidden = intField(where, c, "hidden_size", null);
    int heads = intField(where, c, "num_attention_heads", null);
    int kvHeads = intField(where, c, "num_key_value_heads", heads);
    JsonNode hd = c.get("head_dim");
    int headDim = hd == null || hd.isNull() ? hidden / heads : intField(where, c, "head_dim", null);
    // transformers v5 moves rope_theta / rope_scaling into rope_parameters
    JsonNode ropeParams = c.get("rope_parameters");
    double theta = ropeParams != null && ropeParams.has("rope_theta") ? ropeParams.get("rope_theta").asDouble()
        : c.path("rope_theta").asDouble(10000.0);
    LlamaConfig.RopeScaling scaling = ropeScaling(where, c.has("rope_scaling") ? c.get("rope_scaling") : ropeParams);
    List<Integer> eos = new ArrayList<>();
    JsonNode e = c.get("eos_token_id");
    if (e == null || e.isNull()) eos.add(2);
    else if (e.isArray()) e.forEach(x -> eos.add(x.asInt()));
    else eos.add(e.asInt());
    String dtype = c.has("torch_dtype") && !c.get("torch_dtype").isNull() ? c.get("torch_dtype").asText()
        : c.has("dtype") && !c.get("dtype").isNull() ? c.get("dtype").asText() : "float32";
    try {
      Safetensors.Dtype.fromTorch(dtype);
    } catch (NomoatException ex) {
      throw NomoatException.inputData(where + ": " + ex.getMessage(), ex);
    }
    try {
      return new LlamaConfig(intField(where, c, "vocab_size", null), hidden, intField(where, c, "intermediate_size", null),
          intField(where, c, "num_hidden_layers", null), heads, kvHeads, headDim, c.path("rms_norm_eps").asDouble(1e-6), theta, scaling,
          intField(where, c, "max_position_embeddings", 2048), c.path("tie_word_embeddings").asBoolean(false), false,
          c.has("bos_token_id") && !c.get("bos_token_id").isNull() ? c.get("bos_token_id").asInt() : 1, eos, dtype);
    } catch (IllegalArgumentException ex) {
      throw NomoatException.inputData(where + ": " + ex.getMessage(), ex);
    }
  }

  private static LlamaConfig.RopeScaling ropeScaling(String where, JsonNode s) {
    if (s == null || s.isNull()) return null;
    String type = s.has("rope_type") ? s.get("rope_type").asText() : s.path("type").asText("default");
    if (type.equals("default")) return null;
    if (!type.equals("llama3"))
      throw NomoatException.inputData(where + ": rope_scaling type '" + type + "' is not supported (llama3 only)");
    for (String k : List.of("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"))
      if (!s.has(k) || !s.get(k).isNumber()) throw NomoatException.inputData(where + ": rope_scaling lacks numeric '" + k + "'");
    return new LlamaConfig.RopeScaling(s.get("factor").asDouble(), s.get("low_freq_factor").asDouble(), s.get("high_freq_factor").asDouble(),
        s.get("original_max_position_embeddings").asInt());
  }

  private static int intField(String where, JsonNode c, String key, Integer dflt) {
    JsonNode v = c.get(key);
    if (v == null || v.isNull()) {
      if (dflt != null) return dflt;
      throw NomoatException.inputData(where + " lacks '" + key + "'");
    }
    if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() <= 0)
      throw NomoatException.inputData(where + ": '" + key + "' must be a positive integer, got " + v);
    return v.intValue();
  }

  /** Every tensor a LLaMA model with this config has, HF names and [out, in] shapes (lm_head only when untied). */
  public static Map<String, long[]> expectedShapes(LlamaConfig c) {
    Map<String, long[]> m = new LinkedHashMap<>();
    long h = c.hiddenSize(), ff = c.intermediateSize();
    m.put("model.embed_tokens.weight", new long[] {c.vocabSize(), h});
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "model.layers." + i + ".";
      m.put(p + "input_layernorm.weight", new long[] {h});
      m.put(p + "self_attn.q_proj.weight", new long[] {c.qDim(), h});
      m.put(p + "self_attn.k_proj.weight", new long[] {c.kvDim(), h});
      m.put(p + "self_attn.v_proj.weight", new long[] {c.kvDim(), h});
      m.put(p + "self_attn.o_proj.weight", new long[] {h, c.qDim()});
      m.put(p + "post_attention_layernorm.weight", new long[] {h});
      m.put(p + "mlp.gate_proj.weight", new long[] {ff, h});
      m.put(p + "mlp.up_proj.weight", new long[] {ff, h});
      m.put(p + "mlp.down_proj.weight", new long[] {h, ff});
    }
    m.put("model.norm.weight", new long[] {h});
    if (!c.tieWordEmbeddings()) m.put("lm_head.weight", new long[] {c.vocabSize(), h});
    return m;
  }

  /** Reads the weights of dir, after checking that every expected tensor is present with the right shape. */
  public static LlamaWeights readWeights(Configuration conf, String dir, LlamaConfig config) {
    return readWeights(conf, dir, config, WeightStorage.FLOAT32);
  }

  /** As above, each matrix kept as storage says (read in the file's precision, then narrowed or widened if asked). */
  public static LlamaWeights readWeights(Configuration conf, String dir, LlamaConfig config, WeightStorage storage) {
    return checkedWeights(conf, dir, config, storage, true);
  }

  /** Checks every tensor's presence and shape from the safetensors headers; reads the tensors only when {@code read}. */
  private static LlamaWeights checkedWeights(Configuration conf, String dir, LlamaConfig config, WeightStorage storage, boolean read) {
    Path d = new Path(dir);
    Map<String, String> fileOf = weightFiles(conf, d);
    Map<String, long[]> expected = expectedShapes(config);
    Map<String, Safetensors.Reader> open = new TreeMap<>();
    try {
      for (String file : new TreeSet<>(fileOf.values())) open.put(file, Safetensors.open(conf, new Path(d, file)));
      for (Map.Entry<String, long[]> e : expected.entrySet()) {
        String file = fileOf.get(e.getKey());
        Safetensors.Reader r = file == null ? null : open.get(file);
        if (r == null || !r.tensors().containsKey(e.getKey()))
          throw NomoatException.inputData("model " + dir + " lacks tensor " + e.getKey() + (file == null ? "" : " (index names " + file + ")"));
        long[] actual = r.info(e.getKey()).shape();
        if (!Arrays.equals(actual, e.getValue()))
          throw NomoatException.inputData(new Path(d, file) + ": tensor " + e.getKey() + " has shape " + Arrays.toString(actual)
              + ", expected " + Arrays.toString(e.getValue()) + " from " + CONFIG);
      }
      for (Safetensors.Reader r : open.values())
        for (String name : r.tensors().keySet())
          if (!expected.containsKey(name) && !name.endsWith("rotary_emb.inv_freq") && !name.equals("lm_head.weight"))
            throw NomoatException.inputData(r.path() + ": unexpected tensor " + name + " for a LLaMA model");
      if (!read) return null;
      Map<String, FrozenMatrix> tensors = new HashMap<>();
      for (String name : expected.keySet()) {
        Safetensors.Reader r = open.get(fileOf.get(name));
        tensors.put(name, storage == WeightStorage.FLOAT32 ? FrozenMatrix.dense(r.read(name)) : r.readStored(name));
      }
      return LlamaWeights.ofStored(config, tensors).as(storage);
    } finally {
      open.values().forEach(Safetensors.Reader::close);
    }
  }

  /** tensor name -> file name inside dir, from the index or the single file. */
  private static Map<String, String> weightFiles(Configuration conf, Path d) {
    Path index = new Path(d, INDEX);
    Map<String, String> fileOf = new HashMap<>();
    if (Storage.exists(conf, index)) {
      JsonNode map;
      try {
        map = JSON.readTree(Storage.readAll(conf, index, MAX_JSON_BYTES)).get("weight_map");
      } catch (IOException e) {
        throw NomoatException.inputData(index + " is not valid JSON: " + e.getMessage(), e);
      }
      if (map == null || !map.isObject()) throw NomoatException.inputData(index + " has no weight_map object");
      for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String file = e.getValue().asText();
        if (file.isEmpty() || file.contains("/") || file.contains("\\") || file.startsWith("."))
          throw NomoatException.inputData(index + ": tensor " + e.getKey() + " names an invalid shard file '" + file + "'");
        fileOf.put(e.getKey(), file);
      }
      for (String file : new TreeSet<>(fileOf.values()))
        if (!Storage.exists(conf, new Path(d, file)))
          throw NomoatException.inputData(index + " names shard " + file + " which does not exist in " + d);
      return fileOf;
    }
    Path single = new Path(d, SINGLE);
    if (Storage.exists(conf, single)) {
      try (Safetensors.Reader r = Safetensors.open(conf, single)) {
        for (String name : r.tensors().keySet()) fileOf.put(name, SINGLE);
      }
      return fileOf;
    }
    if (Storage.exists(conf, new Path(d, "pytorch_model.bin")) || Storage.exists(conf, new Path(d, "pytorch_model.bin.index.json")))
      throw NomoatException.inputData("model " + d + " has only pickle weights (pytorch_model.bin), which nomoat does not read: "
          + "re-save it with save_pretrained(..., safe_serialization=True)");
    throw NomoatException.inputData("model " + d + " has neither " + SINGLE + " nor " + INDEX);
  }

  // ---------------------------------------------------------------- writing

  /** config.json for a LLaMA model, as transformers writes it. */
  public static byte[] configJson(LlamaConfig c) {
    ObjectNode o = JSON.createObjectNode();
    o.putArray("architectures").add("LlamaForCausalLM");
    o.put("attention_bias", false);
    o.put("attention_dropout", 0.0);
    o.put("bos_token_id", c.bosTokenId());
    if (c.eosTokenIds().size() == 1) o.put("eos_token_id", c.eosTokenIds().get(0));
    else {
      ArrayNode eos = o.putArray("eos_token_id");
      c.eosTokenIds().forEach(eos::add);
    }
    o.put("head_dim", c.headDim());
    o.put("hidden_act", "silu");
    o.put("hidden_size", c.hiddenSize());
    o.put("initializer_range", 0.02);
    o.put("intermediate_size", c.intermediateSize());
    o.put("max_position_embeddings", c.maxPositionEmbeddings());
    o.put("mlp_bias", false);
    o.put("model_type", "llama");
    o.put("num_attention_heads", c.numHeads());
    o.put("num_hidden_layers", c.numLayers());
    o.put("num_key_value_heads", c.numKvHeads());
    o.put("pretraining_tp", 1);
    o.put("rms_norm_eps", c.rmsNormEps());
    if (c.ropeScaling() == null) o.putNull("rope_scaling");
    else {
      ObjectNode s = o.putObject("rope_scaling");
      s.put("factor", c.ropeScaling().factor());
      s.put("high_freq_factor", c.ropeScaling().highFreqFactor());
      s.put("low_freq_factor", c.ropeScaling().lowFreqFactor());
      s.put("original_max_position_embeddings", c.ropeScaling().originalMaxPositionEmbeddings());
      s.put("rope_type", "llama3");
    }
    o.put("rope_theta", c.ropeTheta());
    o.put("tie_word_embeddings", c.tieWordEmbeddings());
    o.put("torch_dtype", c.torchDtype());
    o.put("use_cache", true);
    o.put("vocab_size", c.vocabSize());
    try {
      return JSON.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode config.json", e);
    }
  }

  /** generation_config.json as transformers derives it from a model config (BOS, every EOS id). */
  public static byte[] generationConfigJson(LlamaConfig c) {
    ObjectNode o = JSON.createObjectNode();
    o.put("_from_model_config", true);
    o.put("bos_token_id", c.bosTokenId());
    if (c.eosTokenIds().size() == 1) o.put("eos_token_id", c.eosTokenIds().get(0));
    else {
      ArrayNode eos = o.putArray("eos_token_id");
      c.eosTokenIds().forEach(eos::add);
    }
    try {
      return JSON.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode generation_config.json", e);
    }
  }

  /** {@link #write} in the dtype the source checkpoint had (config torch_dtype). */
  public static void write(Configuration conf, String dir, LlamaWeights weights, long maxShardBytes, Map<String, byte[]> extraFiles) {
    write(conf, dir, weights, Safetensors.Dtype.fromTorch(weights.config().torchDtype()), maxShardBytes, extraFiles);
  }

  /**
   * Writes a complete HF checkpoint into dir: config.json (torch_dtype = dtype), weights in shards of at most
   * maxShardBytes (one tensor larger than that gets a shard of its own; a single shard is model.safetensors,
   * more get model-0000i-of-0000N.safetensors + index), and extraFiles (e.g. {@link TokenizerFiles#all}) as given.
   * Tied models do not store lm_head.weight.
   */
  public static void write(Configuration conf, String dir, LlamaWeights weights, Safetensors.Dtype dtype, long maxShardBytes,
                           Map<String, byte[]> extraFiles) {
    if (maxShardBytes <= 0) throw new IllegalArgumentException("maxShardBytes must be positive");
    LlamaConfig c0 = weights.config();
    LlamaConfig c = new LlamaConfig(c0.vocabSize(), c0.hiddenSize(), c0.intermediateSize(), c0.numLayers(), c0.numHeads(), c0.numKvHeads(),
        c0.headDim(), c0.rmsNormEps(), c0.ropeTheta(), c0.ropeScaling(), c0.maxPositionEmbeddings(), c0.tieWordEmbeddings(),
        c0.attentionBias(), c0.bosTokenId(), c0.eosTokenIds(), dtype.torchName());
    Path d = new Path(dir);
    Storage.mkdirs(conf, d);
    Map<String, long[]> expected = expectedShapes(c);
    List<Map<String, INDArray>> shards = new ArrayList<>();
    Map<String, INDArray> cur = new TreeMap<>();
    long curBytes = 0, total = 0;
    for (String name : new TreeSet<>(expected.keySet())) {
      INDArray t = weights.get(name);
      if (!Arrays.equals(t.shape(), expected.get(name)))
        throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(t.shape()) + ", expected "
            + Arrays.toString(expected.get(name)));
      long n = Safetensors.dataBytes(t, dtype);
      if (!cur.isEmpty() && curBytes + n > maxShardBytes) {
        shards.add(cur);
        cur = new TreeMap<>();
        curBytes = 0;
      }
      cur.put(name, t);
      curBytes += n;
      total += n;
    }
    shards.add(cur);
    Storage.writeAll(conf, new Path(d, CONFIG), configJson(c));
    if (shards.size() == 1) {
      Safetensors.write(conf, new Path(d, SINGLE).toString(), shards.get(0), dtype, Map.of("format", "pt"));
    } else {
      ObjectNode index = JSON.createObjectNode();
      index.putObject("metadata").put("total_size", total);
      ObjectNode map = index.putObject("weight_map");
      for (int i = 0; i < shards.size(); i++) {
        String file = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
        Safetensors.write(conf, new Path(d, file).toString(), shards.get(i), dtype, Map.of("format", "pt"));
        for (String name : shards.get(i).keySet()) map.put(name, file);
      }
      try {
        Storage.writeAll(conf, new Path(d, INDEX), JSON.writeValueAsBytes(index));
      } catch (IOException e) {
        throw new IllegalStateException("cannot encode " + INDEX, e);
      }
    }
    for (Map.Entry<String, byte[]> f : extraFiles.entrySet()) Storage.writeAll(conf, new Path(d, f.getKey()), f.getValue());
  }
}
