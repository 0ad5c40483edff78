package nomoat.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.UnaryOperator;
import nomoat.pipeline.model.LlamaWeights;
import nomoat.pipeline.model.WeightStorage;

/**
 * How {@code bench engine --weights-dtype} keeps the random FP32 model's frozen matrices. One constant per mode; a new
 * mode is one line here (q8_0 will be {@code Q8_0("q8_0", LlamaWeights::quantizedQ8_0)}) and bin/bench-engine
 * {@code --storage} takes its name unchanged.
 */
enum StorageMode {
  FLOAT32("float32", w -> w.as(WeightStorage.FLOAT32)),
  BFLOAT16("bfloat16", w -> w.as(WeightStorage.BFLOAT16)),
  FLOAT16("float16", w -> w.as(WeightStorage.FLOAT16));

  /** The name on the command line and in the JSON ("float32", ...), as model.weights-dtype's. */
  final String cliName;
  private final UnaryOperator<LlamaWeights> convert;

  StorageMode(String cliName, UnaryOperator<LlamaWeights> convert) {
    this.cliName = cliName;
    this.convert = convert;
  }

  /** The FP32 weights in this mode (a new copy, except float32 which keeps them). */
  LlamaWeights apply(LlamaWeights fp32) { return convert.apply(fp32); }

  static StorageMode named(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (StorageMode m : values()) if (m.cliName.equals(n)) return m;
    throw new IllegalArgumentException("unknown weights dtype '" + name + "'; known: "
        + String.join(", ", Arrays.stream(values()).map(m -> m.cliName).toList()));
  }
}
