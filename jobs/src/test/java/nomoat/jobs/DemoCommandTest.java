package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import nomoat.pipeline.testing.Fixtures;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `nomoat demo` end to end on local Spark (shortened to 16 training steps): every stage commits, the report is written,
 * the adapter lowers validation loss, and the console shows the answers before and after and where each output is.
 * .ci/run runs the full-length demo through bin/nomoat.
 */
@Tag("integration")
@Tag("slow")
class DemoCommandTest {
  @TempDir Path tmp;

  @Test
  void runsEveryStageAndSaysWhereTheOutputsAre() throws Exception {
    LocalSpark.get();
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(new String[] {"demo", "--master", "local[2]", "vars.runs=" + tmp, "vars.fixtures=" + Fixtures.root(),
        "train.max-steps=16", "train.eval-every=0"}, new PrintWriter(out, true), new PrintWriter(err, true));
    String console = out.toString();
    assertEquals(0, code, err + "\n" + console);
    Path demo = tmp.resolve("demo");
    for (String stage : List.of("prepared", "train", "evaluate", "export"))
      assertTrue(Files.exists(demo.resolve(stage).resolve("_SUCCESS")), stage);
    assertTrue(Files.readString(demo.resolve("train/report.html")).contains("<svg"));
    assertTrue(Files.exists(demo.resolve("export/merged/config.json")));
    assertTrue(Files.exists(demo.resolve("export/adapter/adapter_model.safetensors")));

    JsonNode variants = new ObjectMapper().readTree(demo.resolve("evaluate/evaluation.json").toFile()).get("variants");
    assertTrue(variants.get(1).get("loss").asDouble() < variants.get(0).get("loss").asDouble(), variants.toString());
    List<String> gens = Files.readAllLines(demo.resolve("evaluate/generations.jsonl"));
    assertEquals(4, gens.size());

    for (String line : List.of("prepare: 72 rows read", "train: 16 steps", "evaluate: 8 validation rows", "export: ", "report: 16 steps",
        "Before and after", "Sue has a white cup. What color is the cup?", "base + LoRA: ", "Loss: training ",
        "report            " + demo.resolve("train/report.html"), "demo: done in "))
      assertTrue(console.contains(line), "'" + line + "' in:\n" + console);
  }
}
