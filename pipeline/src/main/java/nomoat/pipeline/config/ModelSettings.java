package nomoat.pipeline.config;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import nomoat.pipeline.NomoatException;

/** {@code model.*}: the frozen base model and adapters applied to it before training. */
public record ModelSettings(String path, List<StackedAdapter> adapters) {

  /** @param merge true: merged into the base weights; false: kept active and frozen beside the trained adapter */
  public record StackedAdapter(String path, boolean merge) {}

  static ModelSettings from(Config c) {
    List<StackedAdapter> adapters = new ArrayList<>();
    List<? extends Config> list = c.getConfigList("model.adapters");
    for (int i = 0; i < list.size(); i++) {
      Config a = list.get(i);
      String what = "model.adapters[" + i + "]";
      Checks.onlyKeys(a, what, Set.of("path", "mode"));
      if (!a.hasPath("path") || a.getString("path").isBlank()) throw NomoatException.config(what + " has no 'path'");
      String mode = a.hasPath("mode") ? a.getString("mode") : "merge";
      if (!mode.equals("merge") && !mode.equals("stack")) throw NomoatException.config(what + ".mode = " + mode + ": must be merge or stack");
      adapters.add(new StackedAdapter(a.getString("path"), mode.equals("merge")));
    }
    return new ModelSettings(Checks.nullableString(c, "model.path"), List.copyOf(adapters));
  }

  public void requirePath() {
    if (path == null || path.isBlank()) throw NomoatException.config("model.path is required (a Hugging Face model directory or a .gguf file)");
  }
}
