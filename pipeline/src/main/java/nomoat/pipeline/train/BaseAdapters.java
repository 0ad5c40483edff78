package nomoat.pipeline.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.ModelSettings;
import nomoat.pipeline.format.PeftAdapterDir;
import nomoat.pipeline.io.ContentFingerprint;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.model.LlamaWeights;
import nomoat.pipeline.model.LoraMerge;
import nomoat.pipeline.format.LoadedModel;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What {@code model.adapters} does to the frozen base in training: {@code merge} adapters are folded into the base
 * weights before training, {@code stack} adapters stay active and frozen beside the trained adapter (their deltas are
 * added, they get no gradients and are not part of the output). Each is a PEFT adapter directory (nomoat's or PEFT's),
 * read by {@link PeftAdapterDir} and checked against the model's shape. Serializable: executors apply the same list.
 */
public record BaseAdapters(List<String> merge, List<String> stack) implements Serializable {

  public BaseAdapters {
    merge = List.copyOf(merge);
    stack = List.copyOf(stack);
  }

  public static final BaseAdapters NONE = new BaseAdapters(List.of(), List.of());

  public static BaseAdapters of(ModelSettings model) {
    List<String> merge = new ArrayList<>(), stack = new ArrayList<>();
    for (ModelSettings.AdapterRef ref : model.adapters()) (ref.mode().equals("merge") ? merge : stack).add(ref.path());
    return new BaseAdapters(merge, stack);
  }

  public boolean isEmpty() { return merge.isEmpty() && stack.isEmpty(); }

  /** The model with the merge adapters folded in, and the stack adapters in the model's dtype. */
  public record Applied(LlamaModel model, List<LoraAdapter> stacked) {}

  /** Reads every adapter against {@code loaded}'s shape (one line naming the directory when missing or misfit) and applies them. */
  public Applied apply(Configuration conf, LoadedModel loaded) {
    LlamaWeights weights = loaded.weights();
    List<LoraAdapter> merged = new ArrayList<>();
    for (String p : merge) merged.add(read(conf, p, "merge", loaded.config()));
    if (!merged.isEmpty()) weights = LoraMerge.merge(weights, merged.toArray(LoraAdapter[]::new));
    LlamaModel model = new LlamaModel(weights);
    List<LoraAdapter> stacked = new ArrayList<>();
    for (String p : stack) stacked.add(as(read(conf, p, "stack", loaded.config()), model.dataType()));
    return new Applied(model, List.copyOf(stacked));
  }

  /** Reads every adapter against the model's shape, as {@link #apply} would, without a model in memory (the driver's check). */
  public void check(Configuration conf, LlamaConfig config) {
    for (String p : merge) read(conf, p, "merge", config);
    for (String p : stack) read(conf, p, "stack", config);
  }

  /** The cache key part of these adapters in this JVM (their files' names, lengths and modification times). */
  public String cacheVariant(Configuration conf) {
    if (isEmpty()) return "";
    StringBuilder s = new StringBuilder();
    for (String p : merge) s.append("merge:").append(p).append('|').append(ModelCache.identity(conf, existing(conf, p, "merge"))).append(';');
    for (String p : stack) s.append("stack:").append(p).append('|').append(ModelCache.identity(conf, existing(conf, p, "stack"))).append(';');
    return s.toString();
  }

  /** Content fingerprints of the adapters in order with their modes (what a resumed run must share). */
  public String fingerprint(Configuration conf) {
    List<String> parts = new ArrayList<>();
    for (String p : merge) parts.add("merge:" + ContentFingerprint.of(conf, p));
    for (String p : stack) parts.add("stack:" + ContentFingerprint.of(conf, p));
    return String.join(",", parts);
  }

  /** A PEFT adapter directory read against the model's shape, for {@code what} (a key naming where it came from). */
  static LoraAdapter read(Configuration conf, String dir, String what, LlamaConfig config) {
    return PeftAdapterDir.read(conf, existing(conf, dir, what), config);
  }

  private static String existing(Configuration conf, String dir, String what) {
    if (!Storage.exists(conf, dir)) throw NomoatException.inputData(what + " adapter " + dir + " does not exist");
    return dir;
  }

  /** train.init-adapter: the trained adapter starts from this directory's A/B; its r, targets, layers and scale must be lora.*'s. */
  public static LoraAdapter initFrom(Configuration conf, String dir, LoraSpec spec, LlamaConfig config, DataType dtype) {
    LoraAdapter read = read(conf, dir, "train.init-adapter", config);
    LoraSpec s = read.spec();
    List<String> diffs = new ArrayList<>();
    if (s.r() != spec.r()) diffs.add("r " + s.r() + " vs lora.r " + spec.r());
    if (!s.targetModules().equals(spec.targetModules()))
      diffs.add("target_modules " + new java.util.TreeSet<>(s.targetModules()) + " vs lora.targets " + new java.util.TreeSet<>(spec.targetModules()));
    else if (!read.a().keySet().equals(adapted(spec, config)))
      diffs.add("adapted layers " + layers(read.a().keySet()) + " vs lora.layers " + layers(adapted(spec, config)));
    if (Math.abs(s.scale() - spec.scale()) > 1e-12 * Math.abs(spec.scale()))
      diffs.add("scale " + s.scale() + " (lora_alpha " + s.alpha() + (s.useRslora() ? ", rslora" : "") + ") vs lora.alpha/lora.rslora's "
          + spec.scale());
    if (!diffs.isEmpty())
      throw NomoatException.config("train.init-adapter " + dir + " does not fit lora.*: " + String.join("; ", diffs)
          + "; set lora.* to the adapter's " + PeftAdapterDir.CONFIG + " values");
    return as(new LoraAdapter(spec, read.a(), read.b()), dtype);
  }

  private static java.util.Set<String> adapted(LoraSpec spec, LlamaConfig config) {
    java.util.Set<String> out = new java.util.TreeSet<>();
    for (int l = 0; l < config.numLayers(); l++)
      for (String m : LoraSpec.ALL_MODULES) if (spec.adapts(l, m)) out.add(LlamaWeights.modulePath(l, m));
    return out;
  }

  private static java.util.Set<Integer> layers(java.util.Set<String> paths) {
    java.util.Set<Integer> out = new java.util.TreeSet<>();
    for (String p : paths) out.add(Integer.parseInt(p.split("\\.")[2]));
    return out;
  }

  /** The adapter with its tensors in {@code dtype} (PEFT files may hold F16/BF16); new arrays, so nothing is shared. */
  private static LoraAdapter as(LoraAdapter a, DataType dtype) {
    Map<String, INDArray> ca = new TreeMap<>(), cb = new TreeMap<>();
    a.a().forEach((k, v) -> ca.put(k, v.castTo(dtype).dup()));
    a.b().forEach((k, v) -> cb.put(k, v.castTo(dtype).dup()));
    return new LoraAdapter(a.spec(), ca, cb);
  }
}
