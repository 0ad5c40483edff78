package nomoat.pipeline.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.lora.LoraSpec;

/** {@code lora.*}: the adapter trained, with PEFT LoraConfig meanings and defaults. {@code layers} null = every layer. */
public record LoraSettings(int r, double alpha, double dropout, List<String> targets, List<Integer> layers, boolean rslora,
                           long initSeed) {

  static LoraSettings from(Config c) {
    int r = c.getInt("lora.r");
    Checks.require(r >= 1 && r <= 65_536, c, "lora.r", "must be in [1, 65536]");
    double alpha = c.getDouble("lora.alpha");
    Checks.require(alpha > 0, c, "lora.alpha", "must be > 0");
    double dropout = c.getDouble("lora.dropout");
    Checks.require(dropout >= 0 && dropout < 1, c, "lora.dropout", "must be in [0, 1)");
    List<String> targets = c.getValue("lora.targets").valueType() == ConfigValueType.STRING
        ? List.of(c.getString("lora.targets").split("\\s*,\\s*")) : c.getStringList("lora.targets");
    Set<String> known = new LinkedHashSet<>(LoraSpec.ALL_MODULES);
    List<String> resolved = new ArrayList<>();
    for (String t : targets) {
      if (t.equals("all-linear")) resolved.addAll(LoraSpec.ALL_MODULES);
      else {
        if (!known.contains(t))
          throw NomoatException.config("lora.targets names '" + t + "' (" + ConfigLoader.where(c.getValue("lora.targets").origin())
              + "), which LLaMA models do not have; known: " + known + " or all-linear");
        resolved.add(t);
      }
    }
    if (resolved.isEmpty()) throw NomoatException.config("lora.targets is empty: name at least one module");
    List<Integer> layers = c.getIsNull("lora.layers") ? null : c.getIntList("lora.layers");
    if (layers != null)
      for (int l : layers) if (l < 0) throw NomoatException.config("lora.layers has " + l + ": layer indices must be >= 0");
    return new LoraSettings(r, alpha, dropout, List.copyOf(new LinkedHashSet<>(resolved)), layers, c.getBoolean("lora.rslora"),
        Checks.integral(c, "lora.init-seed"));
  }

  public LoraSpec spec() {
    return new LoraSpec(r, alpha, dropout, Set.copyOf(targets), layers, rslora);
  }

  /** Refuses layer indices the model does not have. */
  public void checkAgainst(int numLayers) {
    if (layers == null) return;
    for (int l : layers)
      if (l >= numLayers)
        throw NomoatException.config("lora.layers names layer " + l + " but the model has " + numLayers + " layers (0.." + (numLayers - 1) + ")");
  }
}
