package nomoat.jobs;

import java.util.concurrent.Callable;
import nomoat.pipeline.config.ExportSettings;
import nomoat.pipeline.config.NomoatConfig;
import nomoat.pipeline.export.ModelExport;
import nomoat.pipeline.io.CommittedOutput;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Adapter (+ base model) -> PEFT adapter directory and/or merged Hugging Face checkpoint. Runs without Spark. */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"A LoRA adapter (+ model.path) -> a PEFT adapter directory and/or a merged Hugging Face checkpoint.",
        "Writes <export.output>/adapter/ (adapter_config.json, adapter_model.safetensors) and/or <export.output>/merged/",
        "(config.json, safetensors shards + index, tokenizer files, generation_config.json), then _SUCCESS."})
final class ExportCommand implements Callable<Integer> {
  @Mixin StageOptions options;

  @Option(names = "--force", description = "Replace a committed output (the old one stays until the new one is committed).")
  boolean force;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    long start = System.nanoTime();
    NomoatConfig config = options.load();
    ExportSettings settings = config.export();
    settings.requireInputs();
    Configuration hadoop = HadoopConf.from(config.spark());
    CommittedOutput output = CommittedOutput.begin(hadoop, settings.output(), force);
    ModelExport.Result result;
    try {
      result = ModelExport.write(hadoop, config.model(), settings, output.stagingDir());
      output.commit();
    } finally {
      output.abort();
    }
    spec.commandLine().getOut().printf(java.util.Locale.ROOT, "export: %s -> %s: %s in %.1f s%n", settings.adapter(), output.outputUri(), result,
        (System.nanoTime() - start) / 1e9);
    return 0;
  }
}
