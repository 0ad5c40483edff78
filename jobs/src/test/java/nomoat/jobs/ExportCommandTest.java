package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import nomoat.pipeline.format.PeftAdapterDir;
import nomoat.pipeline.format.Safetensors;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.format.LoadedModel;
import nomoat.pipeline.format.ModelLoader;
import nomoat.pipeline.model.TinyModels;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** `nomoat export` as Airflow and cron see it: a committed output, exit 6 on rerun, --force, one-line config errors. */
class ExportCommandTest {
  @TempDir Path tmp;

  @Test
  void exportsCommitsAndRefusesToOverwrite() throws Exception {
    Configuration conf = new Configuration();
    LoadedModel base = ModelLoader.load(conf, Fixtures.stories260K().toString());
    Path adapter = tmp.resolve("adapter-in");
    PeftAdapterDir.write(conf, adapter.toString(), TinyModels.adapter(base.config(),
        new LoraSpec(2, 4, 0, Set.of("q_proj", "v_proj"), null, false), DataType.FLOAT, 1), null, Safetensors.Dtype.F32);
    Path out = tmp.resolve("export");
    String[] args = {"export", "model.path=" + Fixtures.stories260K(), "export.adapter=" + adapter, "export.output=" + out.toUri()};
    CliTest.Run first = CliTest.run(args);
    assertEquals(0, first.code(), first.err());
    assertTrue(first.out().startsWith("export: "), first.out());
    assertTrue(first.out().contains("merged/ (1 safetensors file, bfloat16"), first.out());
    for (String f : new String[] {"_SUCCESS", "adapter/adapter_config.json", "adapter/adapter_model.safetensors", "merged/config.json",
        "merged/model.safetensors", "merged/tokenizer.json", "merged/generation_config.json"})
      assertTrue(Files.isRegularFile(out.resolve(f)), f);

    CliTest.Run again = CliTest.run(args);
    assertEquals(6, again.code(), again.err());
    assertTrue(again.err().contains("already committed"), again.err());

    String[] forced = java.util.Arrays.copyOf(args, args.length + 2);
    forced[args.length] = "--force";
    forced[args.length + 1] = "export.write=[adapter]";
    assertEquals(0, CliTest.run(forced).code());
    assertFalse(Files.exists(out.resolve("merged")), "--force replaced the whole output");

    CliTest.Run missing = CliTest.run("export", "export.output=" + tmp.resolve("x").toUri());
    assertEquals(3, missing.code());
    assertEquals(1, missing.err().strip().lines().count(), missing.err());
    assertTrue(missing.err().contains("export.adapter is required"), missing.err());
    CliTest.Run badDtype = CliTest.run("export", "export.output=" + tmp.resolve("x").toUri(), "export.adapter=" + adapter, "export.dtype=int8");
    assertEquals(3, badDtype.code());
    assertTrue(badDtype.err().contains("export.dtype"), badDtype.err());
    CliTest.Run noAdapter = CliTest.run("export", "model.path=" + Fixtures.stories260K(), "export.output=" + tmp.resolve("y").toUri(),
        "export.adapter=" + tmp.resolve("nowhere"));
    assertEquals(4, noAdapter.code(), noAdapter.err());
    assertFalse(Files.exists(tmp.resolve("y")), "nothing visible after a failed export");
  }
}
