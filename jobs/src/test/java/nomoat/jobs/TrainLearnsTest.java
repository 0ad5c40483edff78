package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import nomoat.pipeline.config.ConfigLoader;
import nomoat.pipeline.data.ColorTask;
import nomoat.pipeline.generate.GenerationConfig;
import nomoat.pipeline.generate.Generator;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.format.LoadedModel;
import nomoat.pipeline.tokenize.HfTokenizer;
import nomoat.pipeline.train.ModelCache;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Learning on the real pretrained stories260K: a generated instruction task ("Tom has a red cat. What color is the cat?"
 * → "The cat is red.") that the base model does not follow; after `nomoat train` on local Spark, train and validation
 * loss have fallen and greedy decoding answers unseen questions in the taught form.
 */
@Tag("integration")
@Tag("slow")
class TrainLearnsTest {
  @TempDir Path tmp;

  static String alpacaPrompt(String instruction) {
    return "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n"
        + "### Instruction:\n" + instruction + "\n\n### Response:\n";
  }

  @Test
  void colorTaskIsLearned() throws Exception {
    String out = tmp.resolve("learned").toUri().toString();
    List<String> o = new ArrayList<>(List.of("model.path=" + TrainFixtures.MODEL, "train.data=" + TrainFixtures.prepared(),
        "train.output=" + out, "lora.r=8", "lora.alpha=16", "lora.targets=all-linear", "train.workers=2", "train.micro-batch=4",
        "train.max-steps=48", "train.lr=1e-2", "train.schedule=cosine", "train.warmup=4", "train.eval-every=8"));
    TrainJob.run(LocalSpark.get(), ConfigLoader.load((Path) null, o), false, new PrintWriter(new StringWriter()));

    ObjectMapper json = new ObjectMapper();
    List<JsonNode> m = new ArrayList<>();
    for (String line : Files.readAllLines(tmp.resolve("learned/metrics.jsonl"))) m.add(json.readTree(line));
    assertEquals(48, m.size());
    double firstLoss = (m.get(0).get("loss").asDouble() + m.get(1).get("loss").asDouble() + m.get(2).get("loss").asDouble()) / 3;
    double lastLoss = (m.get(45).get("loss").asDouble() + m.get(46).get("loss").asDouble() + m.get(47).get("loss").asDouble()) / 3;
    assertTrue(lastLoss < 0.5 * firstLoss, "train loss " + firstLoss + " -> " + lastLoss);
    double firstVal = m.get(7).get("val_loss").asDouble(), lastVal = m.get(47).get("val_loss").asDouble();
    assertTrue(lastVal < 0.6 * firstVal, "validation loss " + firstVal + " -> " + lastVal);

    LoadedModel loaded = ModelCache.entry(new Configuration(), TrainFixtures.MODEL, "", l -> new LlamaModel(l.weights())).loaded();
    LlamaModel model = ModelCache.get(new Configuration(), TrainFixtures.MODEL);
    LoraAdapter adapter = TrainJobTest.adapter(out);
    HfTokenizer tok = HfTokenizer.fromBytes(loaded.tokenizerJson(), loaded.tokenizerConfigJson());
    // new combinations of the task's words (the 72 generated rows cover few of the 800)
    String[][] unseen = {{"Sue", "white", "cup"}, {"Lily", "green", "dog"}, {"Max", "red", "hat"}, {"Anna", "blue", "fish"}};
    int before = 0, after = 0;
    StringBuilder shown = new StringBuilder();
    for (String[] q : unseen) {
      int[] prompt = tok.encodeIds(alpacaPrompt(ColorTask.question(q[0], q[1], q[2])), true);
      String base = decode(tok, Generator.generate(model, List.of(), prompt, GenerationConfig.greedy(16)), prompt.length);
      String tuned = decode(tok, Generator.generate(model, List.of(adapter), prompt, GenerationConfig.greedy(16)), prompt.length);
      shown.append("\n  base: ").append(base).append(" | tuned: ").append(tuned);
      if (base.strip().startsWith("The " + q[2] + " is")) before++;
      if (tuned.strip().startsWith("The " + q[2] + " is")) after++;
    }
    assertEquals(0, before, "the base model does not answer in the taught form:" + shown);
    assertTrue(after >= 3, "the tuned model answers unseen questions in the taught form:" + shown);
  }

  private static String decode(HfTokenizer tok, int[] ids, int promptLength) {
    int[] out = ids.length > promptLength && ids.length >= promptLength ? Arrays.copyOfRange(ids, Math.min(promptLength, ids.length), ids.length) : ids;
    return tok.decode(out, true);
  }
}
