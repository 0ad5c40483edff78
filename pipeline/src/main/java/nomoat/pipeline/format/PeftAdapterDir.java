package nomoat.pipeline.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaWeights;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A PEFT LoRA adapter directory, as `PeftModel.from_pretrained` loads it: adapter_config.json and
 * adapter_model.safetensors with keys "base_model.model.{module}.lora_A.weight" [r, in] and ".lora_B.weight"
 * [out, r]. Written configs carry the fields PEFT 0.10+ writes (and accepts back unchanged).
 *
 * Reading accepts PEFT-written directories: keys with an adapter name (".lora_A.default.weight"),
 * target_modules as a list of module names, "all-linear", or a regex string (then the adapted modules and
 * layers are taken from the tensors present). DoRA, rank/alpha patterns, bias training and modules_to_save
 * are refused with a clear message, as is a pickle adapter_model.bin.
 */
public final class PeftAdapterDir {
  private PeftAdapterDir() {}

  public static final String CONFIG = "adapter_config.json";
  public static final String WEIGHTS = "adapter_model.safetensors";
  private static final String PREFIX = "base_model.model.";
  private static final Pattern KEY =
      Pattern.compile("base_model\\.model\\.(model\\.layers\\.(\\d+)\\.(?:self_attn|mlp)\\.([a-z_]+))\\.lora_([AB])(?:\\.[^.]+)?\\.weight");
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  // ---------------------------------------------------------------- writing

  public static void write(Configuration conf, String dir, LoraAdapter adapter, String baseModelNameOrPath, Safetensors.Dtype dtype) {
    Path d = new Path(dir);
    Storage.mkdirs(conf, d);
    Map<String, INDArray> tensors = new TreeMap<>();
    for (String module : adapter.a().keySet()) {
      tensors.put(PREFIX + module + ".lora_A.weight", adapter.a().get(module));
      tensors.put(PREFIX + module + ".lora_B.weight", adapter.b().get(module));
    }
    Safetensors.write(conf, new Path(d, WEIGHTS).toString(), tensors, dtype, Map.of("format", "pt"));
    Storage.writeAll(conf, new Path(d, CONFIG), configJson(adapter.spec(), baseModelNameOrPath));
  }

  /** adapter_config.json as PEFT's LoraConfig.save_pretrained writes it. */
  public static byte[] configJson(LoraSpec spec, String baseModelNameOrPath) {
    ObjectNode c = JSON.createObjectNode();
    c.putObject("alpha_pattern");
    c.putNull("auto_mapping");
    if (baseModelNameOrPath == null) c.putNull("base_model_name_or_path");
    else c.put("base_model_name_or_path", baseModelNameOrPath);
    c.put("bias", "none");
    c.put("fan_in_fan_out", false);
    c.put("inference_mode", true);
    c.put("init_lora_weights", true);
    c.putNull("layer_replication");
    c.putNull("layers_pattern");
    if (spec.layersToTransform() == null) c.putNull("layers_to_transform");
    else {
      ArrayNode l = c.putArray("layers_to_transform");
      spec.layersToTransform().forEach(l::add);
    }
    c.putObject("loftq_config");
    if (spec.alpha() == Math.rint(spec.alpha())) c.put("lora_alpha", (long) spec.alpha());
    else c.put("lora_alpha", spec.alpha());
    c.put("lora_dropout", spec.dropout());
    c.putNull("megatron_config");
    c.put("megatron_core", "megatron.core");
    c.putNull("modules_to_save");
    c.put("peft_type", "LORA");
    c.put("r", spec.r());
    c.putObject("rank_pattern");
    c.putNull("revision");
    ArrayNode t = c.putArray("target_modules");
    new TreeSet<>(spec.targetModules()).forEach(t::add);
    c.put("task_type", "CAUSAL_LM");
    c.put("use_dora", false);
    c.put("use_rslora", spec.useRslora());
    try {
      return JSON.writeValueAsBytes(c);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode " + CONFIG, e);
    }
  }

  // ---------------------------------------------------------------- reading

  public static LoraAdapter read(Configuration conf, String dir) {
    return read(conf, dir, null);
  }

  /** Reads the adapter; with a base config also checks every module's in/out sizes and that all its layers are covered. */
  public static LoraAdapter read(Configuration conf, String dir, LlamaConfig base) {
    Path d = new Path(dir);
    Path cfgPath = new Path(d, CONFIG), weights = new Path(d, WEIGHTS);
    if (!Storage.exists(conf, cfgPath)) throw NomoatException.inputData("no " + CONFIG + " in adapter directory " + dir);
    if (!Storage.exists(conf, weights)) {
      if (Storage.exists(conf, new Path(d, "adapter_model.bin")))
        throw NomoatException.inputData(new Path(d, "adapter_model.bin") + " is a pickle file, which nomoat does not read: re-save the "
            + "adapter with save_pretrained(..., safe_serialization=True)");
      throw NomoatException.inputData("no " + WEIGHTS + " in adapter directory " + dir);
    }
    JsonNode c;
    try {
      c = JSON.readTree(Storage.readAll(conf, cfgPath, 16L << 20));
    } catch (IOException e) {
      String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null
          ? j.getOriginalMessage().lines().findFirst().orElse("") + " (line " + j.getLocation().getLineNr() + ", column "
            + j.getLocation().getColumnNr() + ")"
          : String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      throw NomoatException.inputData(cfgPath + " is not valid JSON: " + why, e);
    }
    String where = cfgPath.toString();
    checkSupported(where, c);

    // module path -> A / B, with the adapter name (if any) dropped
    Map<String, INDArray> a = new TreeMap<>(), b = new TreeMap<>();
    TreeSet<Integer> layers = new TreeSet<>();
    TreeSet<String> modules = new TreeSet<>();
    try (Safetensors.Reader r = Safetensors.open(conf, weights)) {
      for (String key : r.tensors().keySet()) {
        Matcher m = KEY.matcher(key);
        if (!m.matches() || !LoraSpec.ALL_MODULES.contains(m.group(3)))
          throw NomoatException.inputData(weights + ": tensor " + key + " is not a LoRA A/B weight of a LLaMA projection");
        String module = m.group(1);
        if (!module.equals(LlamaWeights.modulePath(Integer.parseInt(m.group(2)), m.group(3))))
          throw NomoatException.inputData(weights + ": tensor " + key + " names " + m.group(3) + " under the wrong block");
        Map<String, INDArray> side = m.group(4).equals("A") ? a : b;
        if (side.containsKey(module)) throw NomoatException.inputData(weights + ": two lora_" + m.group(4) + " tensors for " + module);
        side.put(module, r.read(key));
        layers.add(Integer.parseInt(m.group(2)));
        modules.add(m.group(3));
      }
    }
    if (a.isEmpty()) throw NomoatException.inputData(weights + " holds no LoRA tensors");
    TreeSet<String> all = new TreeSet<>(a.keySet());
    all.addAll(b.keySet());
    for (String module : all)
      if (!a.containsKey(module) || !b.containsKey(module))
        throw NomoatException.inputData(weights + ": " + module + " has lora_" + (a.containsKey(module) ? "A but no lora_B" : "B but no lora_A"));

    int rank = intField(where, c, "r");
    JsonNode tm = c.get("target_modules");
    List<String> targets = new ArrayList<>();
    List<Integer> layersToTransform = null;
    if (tm != null && tm.isArray()) {
      tm.forEach(x -> targets.add(x.asText()));
      layersToTransform = layersField(where, c.get("layers_to_transform"));
    } else if (tm != null && tm.isTextual() && tm.asText().equals("all-linear")) {
      targets.addAll(LoraSpec.ALL_MODULES);
      layersToTransform = layersField(where, c.get("layers_to_transform"));
    } else if (tm != null && tm.isTextual()) {
      // a regex over module names: what it selected is what was saved
      targets.addAll(modules);
      if (base == null || layers.size() != base.numLayers()) layersToTransform = new ArrayList<>(layers);
    } else {
      throw NomoatException.inputData(where + ": target_modules must be a list or a string, got " + tm);
    }
    LoraSpec spec;
    try {
      spec = new LoraSpec(rank, c.path("lora_alpha").asDouble(8), c.path("lora_dropout").asDouble(0.0), new TreeSet<>(targets),
          layersToTransform, c.path("use_rslora").asBoolean(false));
    } catch (IllegalArgumentException e) {
      throw NomoatException.inputData(where + ": " + e.getMessage(), e);
    }

    // every (layer, module) the spec adapts must be present and nothing else; shapes A [r, in], B [out, r]
    Map<String, long[]> baseShapes = base == null ? null : HfCheckpoint.expectedShapes(base);
    List<Integer> coveredLayers = spec.layersToTransform() != null ? spec.layersToTransform()
        : base != null ? range(base.numLayers()) : new ArrayList<>(layers);
    for (int layer : coveredLayers)
      for (String mod : spec.targetModules())
        if (!a.containsKey(LlamaWeights.modulePath(layer, mod)))
          throw NomoatException.inputData(weights + " lacks LoRA tensors for " + LlamaWeights.modulePath(layer, mod) + " which " + CONFIG
              + " adapts");
    for (String module : a.keySet()) {
      String[] parts = module.split("\\.");
      if (!spec.adapts(Integer.parseInt(parts[2]), parts[4]))
        throw NomoatException.inputData(weights + " has LoRA tensors for " + module + " which " + CONFIG + " does not adapt");
      long[] sa = a.get(module).shape(), sb = b.get(module).shape();
      if (sa.length != 2 || sb.length != 2 || sa[0] != rank || sb[1] != rank)
        throw NomoatException.inputData(weights + ": " + module + " lora_A " + Arrays.toString(sa) + " / lora_B " + Arrays.toString(sb)
            + " do not match r=" + rank + " (A is [r, in], B is [out, r])");
      if (baseShapes != null) {
        long[] w = baseShapes.get(module + ".weight");
        if (w == null || sa[1] != w[1] || sb[0] != w[0])
          throw NomoatException.inputData(weights + ": " + module + " lora_A " + Arrays.toString(sa) + " / lora_B " + Arrays.toString(sb)
              + " do not fit the base weight " + (w == null ? "(absent: layer out of range)" : Arrays.toString(w)));
      }
    }
    return new LoraAdapter(spec, a, b);
  }

  private static void checkSupported(String where, JsonNode c) {
    if (c == null || !c.isObject()) throw NomoatException.inputData(where + " is not a JSON object");
    String type = c.path("peft_type").asText("");
    if (!type.equals("LORA")) throw NomoatException.inputData(where + ": peft_type '" + type + "' is not supported (LORA)");
    if (c.path("use_dora").asBoolean(false)) throw NomoatException.inputData(where + ": DoRA adapters (use_dora) are not supported");
    if (!c.path("bias").asText("none").equals("none")) throw NomoatException.inputData(where + ": bias '" + c.get("bias").asText() + "' is not supported (none)");
    if (c.path("fan_in_fan_out").asBoolean(false)) throw NomoatException.inputData(where + ": fan_in_fan_out true is not supported");
    for (String k : List.of("rank_pattern", "alpha_pattern"))
      if (c.has(k) && c.get(k).size() > 0) throw NomoatException.inputData(where + ": per-module " + k + " is not supported");
    JsonNode save = c.get("modules_to_save");
    if (save != null && !save.isNull() && save.size() > 0)
      throw NomoatException.inputData(where + ": modules_to_save " + save + " is not supported");
  }

  private static int intField(String where, JsonNode c, String key) {
    JsonNode v = c.get(key);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0)
      throw NomoatException.inputData(where + ": '" + key + "' must be a positive integer, got " + v);
    return v.intValue();
  }

  private static List<Integer> layersField(String where, JsonNode v) {
    if (v == null || v.isNull()) return null;
    if (v.isIntegralNumber()) return List.of(v.intValue());
    if (!v.isArray()) throw NomoatException.inputData(where + ": layers_to_transform must be null, an int or a list, got " + v);
    List<Integer> out = new ArrayList<>();
    v.forEach(x -> out.add(x.asInt()));
    return out;
  }

  private static List<Integer> range(int n) {
    List<Integer> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) out.add(i);
    return out;
  }
}
