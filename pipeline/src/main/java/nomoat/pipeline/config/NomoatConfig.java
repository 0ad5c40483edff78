package nomoat.pipeline.config;

import com.typesafe.config.Config;
import java.util.Map;

/** The whole configuration, typed. {@code raw} is kept only to record the effective config in outputs. */
public record NomoatConfig(SparkSettings spark, PrepareSettings prepare, ModelSettings model, LoraSettings lora, TrainSettings train,
                           ExportSettings export, GenerateSettings generate, EngineSettings engine, EvaluateSettings evaluate,
                           Config raw) {

  /** The effective settings under {@code path} (e.g. "prepare") as plain maps and lists. */
  public Map<String, Object> effective(String path) {
    return ConfigLoader.toMap(raw, path);
  }

  /** The {@code cost} block (prices); checked when the config was loaded. */
  public CostSettings cost() { return CostSettings.from(raw); }

  /** The {@code estimate} block; checked when the config was loaded. */
  public EstimateSettings estimate() { return EstimateSettings.from(raw); }
}
