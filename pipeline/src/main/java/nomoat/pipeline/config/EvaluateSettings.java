package nomoat.pipeline.config;

import com.typesafe.config.Config;
import java.util.List;
import nomoat.pipeline.NomoatException;

/**
 * What the evaluate stage scores and where it writes.
 *
 * @param data         a committed prepare output whose shards are scored
 * @param output       where evaluation.json, generations.jsonl and _SUCCESS are committed
 * @param split        validation | train: which split of {@code data} is scored
 * @param trainOutput  a committed train output whose adapter/ is evaluated on top of model.adapters (null = none)
 * @param workers      Spark tasks that score (0 = Spark's default parallelism)
 * @param microBatch   rows per forward pass in one task
 * @param prompts      user messages answered greedily by every variant, rendered with the data's template
 * @param maxNewTokens longest generation
 */
public record EvaluateSettings(String data, String output, String split, String trainOutput, int workers, int microBatch,
                               List<String> prompts, int maxNewTokens) {

  public static final List<String> SPLITS = List.of("validation", "train");

  public EvaluateSettings {
    prompts = List.copyOf(prompts);
  }

  static EvaluateSettings from(Config c) {
    String split = Checks.oneOf(c, "evaluate.split", SPLITS);
    long workers = Checks.integral(c, "evaluate.workers");
    Checks.require(workers >= 0 && workers <= 100_000, c, "evaluate.workers", "must be in 0..100000 (0 = Spark's default parallelism)");
    long micro = Checks.integral(c, "evaluate.micro-batch");
    Checks.require(micro > 0 && micro <= 1_000_000, c, "evaluate.micro-batch", "must be in 1..1000000");
    long max = Checks.integral(c, "evaluate.max-new-tokens");
    Checks.require(max > 0 && max <= 1_000_000, c, "evaluate.max-new-tokens", "must be in 1..1000000");
    List<String> prompts = c.getStringList("evaluate.prompts");
    for (String p : prompts) Checks.require(!p.isBlank(), c, "evaluate.prompts", "entries must not be blank");
    String trainOutput = Checks.nullableString(c, "evaluate.train-output");
    return new EvaluateSettings(c.getString("evaluate.data"), c.getString("evaluate.output"), split,
        trainOutput == null || trainOutput.isBlank() ? null : trainOutput, (int) workers, (int) micro, prompts, (int) max);
  }

  /** One line naming the key that is missing. */
  public void requireDataAndOutput() {
    if (data == null || data.isBlank()) throw NomoatException.config("evaluate.data is required (a committed prepare output)");
    if (output == null || output.isBlank()) throw NomoatException.config("evaluate.output is required (where evaluation.json and generations.jsonl go)");
  }
}
