package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `nomoat estimate` on the prepared color dataset and the real stories260K GGUF (its header only), and its refusals. */
@Tag("integration")
class EstimateCommandTest {
  @TempDir Path tmp;

  @Test
  void estimatesFromTheManifestTheModelsHeaderAndAProbe() throws Exception {
    String data = TrainFixtures.prepared();
    CliTest.Run r = CliTest.run("estimate", "model.path=" + TrainFixtures.MODEL, "train.data=" + data, "train.workers=2", "train.micro-batch=4",
        "train.max-steps=20", "lora.targets=[q_proj, v_proj, down_proj]", "lora.r=4", "estimate.executor-cores=1", "cost.cpu-core-hour=0.04",
        "--executors", "1,2,4");
    assertEquals(0, r.code(), r.err());
    String out = r.out();
    assertTrue(out.contains("probe: 5 timed forward+backward steps") && out.contains("the model's full shape"), out);
    assertTrue(out.contains("20 steps of 8 rows"), out);
    assertTrue(out.contains("cost USD"), out);
    assertEquals(3, out.lines().filter(l -> l.matches("\\s+[124] .*")).count(), out);

    Path bench = Files.writeString(tmp.resolve("bench.json"), "{\"coordination\": {\"step_ms\": 10, \"per_mb_ms\": 1, \"per_task_ms\": 0.5}}");
    CliTest.Run j = CliTest.run("estimate", "--json", "model.path=" + TrainFixtures.MODEL, "train.data=" + data, "train.workers=2",
        "train.max-steps=20", "estimate.bench-json=" + bench.toUri(), "--executors", "2");
    assertEquals(0, j.code(), j.err());
    JsonNode n = new ObjectMapper().readTree(j.out());
    assertEquals(10.0, n.get("coordination").get("step_ms").asDouble());
    assertTrue(n.get("coordination").get("source").asText().contains("bench train"));
    assertEquals(2, n.get("estimates").get(0).get("executors").asInt());
    assertTrue(n.get("estimates").get(0).get("cost").isNull(), "no prices: no cost");
  }

  @Test
  void refusesWithOneLine() throws Exception {
    CliTest.Run noData = CliTest.run("estimate", "model.path=" + TrainFixtures.MODEL);
    assertEquals(3, noData.code(), noData.err());
    assertTrue(noData.err().contains("train.data"), noData.err());
    CliTest.Run badModel = CliTest.run("estimate", "model.path=" + tmp.resolve("nothing"), "train.data=" + TrainFixtures.prepared());
    assertEquals(4, badModel.code(), badModel.err());
    assertTrue(badModel.err().contains("model not found"), badModel.err());
    CliTest.Run help = CliTest.run("estimate", "--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("--executors"), help.out());
  }
}
