package nomoat.pipeline.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.model.WeightStorage;

/**
 * The base model and the adapters applied on top of it, shared by every stage that runs the model.
 *
 * @param path     a Hugging Face model directory or a GGUF file on any Hadoop FS ("" = not set)
 * @param adapters PEFT adapter directories applied in order (each merged into, or stacked on, the base)
 * @param weightsDtype what precision the frozen matrices are kept in ({@code model.weights-dtype})
 */
public record ModelSettings(String path, List<AdapterRef> adapters, WeightStorage weightsDtype) {

  public static final List<String> MODES = List.of("merge", "stack");
  private static final Set<String> ADAPTER_KEYS = Set.of("path", "mode");

  /** One PEFT adapter directory and how it is applied: merged into the base weights or kept active beside them. */
  public record AdapterRef(String path, String mode) {}

  public ModelSettings {
    adapters = List.copyOf(adapters);
    if (weightsDtype == null) throw new IllegalArgumentException("weights dtype must be given");
  }

  /** With the frozen weights kept as stored (the default). */
  public ModelSettings(String path, List<AdapterRef> adapters) {
    this(path, adapters, WeightStorage.STORED);
  }

  static ModelSettings from(Config root) {
    List<AdapterRef> adapters = new ArrayList<>();
    List<? extends ConfigValue> list = root.getList("model.adapters");
    for (int i = 0; i < list.size(); i++) {
      ConfigValue v = list.get(i);
      String where = "model.adapters[" + i + "] (" + ConfigLoader.where(v.origin()) + ")";
      if (v.valueType() == ConfigValueType.STRING) {
        adapters.add(new AdapterRef((String) v.unwrapped(), "stack"));
      } else if (v.valueType() == ConfigValueType.OBJECT) {
        Config c = ((com.typesafe.config.ConfigObject) v).toConfig();
        Checks.onlyKeys(c, where, ADAPTER_KEYS);
        if (!c.hasPath("path") || c.getString("path").isBlank()) throw NomoatException.config(where + ": path is required");
        String mode = c.hasPath("mode") ? c.getString("mode") : "stack";
        if (!MODES.contains(mode)) throw NomoatException.config(where + ": mode '" + mode + "' must be one of " + MODES);
        adapters.add(new AdapterRef(c.getString("path"), mode));
      } else {
        throw NomoatException.config(where + ": must be a path string or { path = ..., mode = merge | stack }");
      }
    }
    List<String> dtypes = java.util.Arrays.stream(WeightStorage.values()).map(WeightStorage::configName).toList();
    WeightStorage dtype = WeightStorage.of(Checks.oneOf(root, "model.weights-dtype", dtypes));
    return new ModelSettings(root.getString("model.path"), adapters, dtype);
  }

  /** The model path, or one line naming the key when it is not set. */
  public String requirePath() {
    if (path == null || path.isBlank()) throw NomoatException.config("model.path is required (a Hugging Face model directory or a .gguf file)");
    return path;
  }

  public List<String> adapterPaths() {
    return adapters.stream().map(AdapterRef::path).toList();
  }
}
