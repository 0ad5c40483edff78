package nomoat.pipeline.export;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.ExportSettings;
import nomoat.pipeline.config.ModelSettings;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.format.TokenizerFiles;
import nomoat.pipeline.format.HfCheckpoint;
import nomoat.pipeline.format.PeftAdapterDir;
import nomoat.pipeline.format.Safetensors;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.model.LoraMerge;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaWeights;
import nomoat.pipeline.format.LoadedModel;
import nomoat.pipeline.format.ModelLoader;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The export stage's work, Spark-free: an adapter (+ the base model) becomes a PEFT adapter directory and/or a
 * merged Hugging Face checkpoint, written under {@code dir} (the stage's staging directory).
 *
 * <pre>
 *   dir/adapter/  adapter_config.json, adapter_model.safetensors
 *   dir/merged/   config.json, model.safetensors or model-0000i-of-0000N.safetensors + model.safetensors.index.json,
 *                 tokenizer.json, tokenizer_config.json (+ special_tokens_map.json when the base has it), generation_config.json
 * </pre>
 */
public final class ModelExport {
  private ModelExport() {}

  public static final String ADAPTER_DIR = "adapter";
  public static final String MERGED_DIR = "merged";

  /** What was written, for the stage's one-line summary. */
  public record Result(int adapterModules, int rank, int mergedShards, String mergedDtype, long mergedBytes) {
    @Override
    public String toString() {
      List<String> parts = new ArrayList<>();
      if (adapterModules > 0) parts.add(ADAPTER_DIR + "/ (" + adapterModules + " modules, r=" + rank + ")");
      if (mergedShards > 0)
        parts.add(MERGED_DIR + "/ (" + mergedShards + " safetensors file" + (mergedShards == 1 ? "" : "s") + ", " + mergedDtype + ", "
            + String.format(java.util.Locale.ROOT, "%.1f MB", mergedBytes / 1e6) + ")");
      return String.join(" and ", parts);
    }
  }

  public static Result write(Configuration conf, ModelSettings model, ExportSettings settings, String dir) {
    boolean haveBase = model.path() != null && !model.path().isBlank();
    if (settings.merged() && !haveBase)
      throw NomoatException.config("model.path is required to write a merged checkpoint (export.write includes \"merged\")");
    LoadedModel base = haveBase ? ModelLoader.load(conf, model.path()) : null;
    LlamaConfig config = base == null ? null : base.config();
    LoraAdapter adapter = PeftAdapterDir.read(conf, settings.adapter(), config);
    int modules = 0, shards = 0;
    long bytes = 0;
    String dtype = null;
    if (settings.peft()) {
      String name = settings.baseModelName() != null ? settings.baseModelName() : haveBase ? model.path() : null;
      PeftAdapterDir.write(conf, new Path(dir, ADAPTER_DIR).toString(), adapter, name, Safetensors.Dtype.fromTorch(settings.adapterDtype()));
      modules = adapter.a().size();
    }
    if (settings.merged()) {
      List<LoraAdapter> all = new ArrayList<>();
      for (String p : model.adapterPaths()) all.add(PeftAdapterDir.read(conf, p, config));
      all.add(adapter);
      LlamaWeights merged = LoraMerge.merge(base.weights(), all.toArray(LoraAdapter[]::new));
      dtype = settings.dtype().equals("source") ? config.torchDtype() : settings.dtype();
      Path out = new Path(dir, MERGED_DIR);
      HfCheckpoint.write(conf, out.toString(), merged, Safetensors.Dtype.fromTorch(dtype), settings.maxShardBytes(), tokenizerFiles(conf, model.path(), base));
      try {
        for (var st : Storage.rawFileSystem(conf, out).listStatus(out, p -> p.getName().endsWith(".safetensors"))) {
          shards++;
          bytes += st.getLen();
        }
      } catch (java.io.IOException e) {
        throw NomoatException.io("cannot list " + out + ": " + e.getMessage(), e);
      }
    }
    return new Result(modules, adapter.spec().r(), shards, dtype, bytes);
  }

  /** The base's tokenizer files (a GGUF's embedded vocabulary as tokenizer.json) and a generation_config.json. */
  static Map<String, byte[]> tokenizerFiles(Configuration conf, String modelPath, LoadedModel base) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    if (Storage.isDirectory(conf, new Path(modelPath))) files.putAll(TokenizerFiles.all(conf, modelPath));
    files.putIfAbsent("tokenizer.json", base.tokenizerJson());
    files.putIfAbsent("tokenizer_config.json", base.tokenizerConfigJson());
    files.putIfAbsent("generation_config.json", HfCheckpoint.generationConfigJson(base.config()));
    return files;
  }
}
