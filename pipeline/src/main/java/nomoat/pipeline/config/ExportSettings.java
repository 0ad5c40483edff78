package nomoat.pipeline.config;

import com.typesafe.config.Config;
import java.util.List;
import nomoat.pipeline.NomoatException;

/**
 * What the export stage writes.
 *
 * @param adapter         the PEFT adapter directory to export (e.g. a train output's adapter/)
 * @param peft            write {@code <output>/adapter/} (PEFT: adapter_config.json + adapter_model.safetensors)
 * @param merged          write {@code <output>/merged/} (a Hugging Face checkpoint with the adapters folded in)
 * @param dtype           torch dtype of the merged weights: float32 | float16 | bfloat16 | source (the base's own)
 * @param adapterDtype    torch dtype of the exported adapter tensors
 * @param maxShardBytes   largest safetensors shard of the merged checkpoint
 * @param baseModelName   adapter_config.json's base_model_name_or_path (null = model.path)
 */
public record ExportSettings(String output, String adapter, boolean peft, boolean merged, String dtype, String adapterDtype,
                             long maxShardBytes, String baseModelName) {

  public static final List<String> WRITES = List.of("adapter", "merged");
  public static final List<String> DTYPES = List.of("float32", "float16", "bfloat16", "source");

  static ExportSettings from(Config c) {
    List<String> write = c.getStringList("export.write");
    for (String w : write) Checks.require(WRITES.contains(w), c, "export.write", "entries must be among " + WRITES);
    Checks.require(!write.isEmpty(), c, "export.write", "must name at least one of " + WRITES);
    String dtype = Checks.oneOf(c, "export.dtype", DTYPES);
    String adapterDtype = Checks.oneOf(c, "export.adapter-dtype", List.of("float32", "float16", "bfloat16"));
    long shard = c.getBytes("export.max-shard-size");
    Checks.require(shard > 0, c, "export.max-shard-size", "must be positive");
    return new ExportSettings(c.getString("export.output"), c.getString("export.adapter"), write.contains("adapter"), write.contains("merged"),
        dtype, adapterDtype, shard, Checks.nullableString(c, "export.base-model-name"));
  }

  /** The checks that need more than one key; one line naming the key that is missing. */
  public void requireInputs() {
    if (output == null || output.isBlank()) throw NomoatException.config("export.output is required (where the export is written)");
    if (adapter == null || adapter.isBlank()) throw NomoatException.config("export.adapter is required (a PEFT adapter directory, e.g. <train output>/adapter)");
  }
}
