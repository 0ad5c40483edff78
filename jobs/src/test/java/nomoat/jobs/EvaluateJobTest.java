package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import nomoat.pipeline.config.ConfigLoader;
import nomoat.pipeline.data.ColorTask;
import nomoat.pipeline.evaluate.Evaluation;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.model.Scoring;
import nomoat.pipeline.shard.ShardReader;
import nomoat.pipeline.shard.ShardRow;
import nomoat.pipeline.train.MicroBatches;
import nomoat.pipeline.train.ModelCache;
import nomoat.pipeline.train.TrainInputs;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * evaluate on local Spark over the real stories260K and a LoRA adapter trained on the generated color task: base and
 * base + adapter side by side, the same numbers from 1 or 2 workers and from scoring each row alone, perplexity =
 * exp(loss), greedy generations with the data's template, and every refusal with its exit code.
 */
@Tag("integration")
class EvaluateJobTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static String trained;

  @TempDir Path tmp;

  @BeforeAll
  static void trainAnAdapter(@TempDir Path dir) throws IOException {
    trained = dir.resolve("train").toUri().toString();
    TrainJob.run(LocalSpark.get(), ConfigLoader.load((Path) null, List.of("model.path=" + TrainFixtures.MODEL,
        "train.data=" + TrainFixtures.prepared(), "train.output=" + trained, "lora.r=8", "lora.alpha=16", "lora.targets=all-linear",
        "train.workers=2", "train.micro-batch=4", "train.max-steps=16", "train.lr=1e-2", "train.warmup=2")), false,
        new PrintWriter(new StringWriter()));
  }

  static List<String> conf(String output, String... more) throws IOException {
    List<String> o = new ArrayList<>(List.of("model.path=" + TrainFixtures.MODEL, "evaluate.data=" + TrainFixtures.prepared(),
        "evaluate.output=" + output, "evaluate.train-output=" + trained, "evaluate.micro-batch=3"));
    o.addAll(List.of(more));
    return o;
  }

  static EvaluateJob.Summary evaluate(List<String> overrides) {
    return EvaluateJob.run(LocalSpark.get(), ConfigLoader.load((Path) null, overrides), false, new PrintWriter(new StringWriter()));
  }

  @Test
  void adapterLowersValidationLossAndTwoWorkersEqualOne() throws Exception {
    String two = tmp.resolve("two").toUri().toString(), one = tmp.resolve("one").toUri().toString();
    String q1 = ColorTask.question("Sue", "white", "cup"), q2 = ColorTask.question("Max", "red", "hat");
    EvaluateJob.Summary s2 = evaluate(conf(two, "evaluate.workers=2", "evaluate.prompts=[\"" + q1 + "\", \"" + q2 + "\"]",
        "evaluate.max-new-tokens=12"));
    EvaluateJob.Summary s1 = evaluate(conf(one, "evaluate.workers=1"));

    assertEquals(2, s2.scores().size());
    Evaluation.Score base = s2.scores().get(0), tuned = s2.scores().get(1);
    assertEquals("base", base.variant().name());
    assertEquals("base + train", tuned.variant().name());
    assertEquals(8, s2.rows());
    assertTrue(base.tokens() > 0 && base.tokens() == tuned.tokens());
    assertTrue(tuned.loss() < 0.8 * base.loss(), "adapter loss " + tuned.loss() + " vs base " + base.loss());

    // 2 partitions equal 1 partition (only the order of adding per-micro-batch sums differs)
    for (int i = 0; i < 2; i++) {
      assertEquals(s1.scores().get(i).tokens(), s2.scores().get(i).tokens());
      assertEquals(s1.scores().get(i).lossSum(), s2.scores().get(i).lossSum(), 1e-9 * s1.scores().get(i).lossSum());
    }

    // the same sums from scoring every validation row alone in this JVM
    Configuration conf = new Configuration();
    TrainInputs in = TrainInputs.openData(conf, TrainFixtures.prepared());
    LlamaModel model = ModelCache.get(conf, TrainFixtures.MODEL);
    LoraAdapter adapter = TrainJobTest.adapter(trained);
    double baseSum = 0, tunedSum = 0;
    long tokens = 0;
    for (String shard : in.validationShards())
      for (ShardRow row : ShardReader.readAll(conf, shard)) {
        var batch = MicroBatches.build(List.of(row)).batch();
        var b = Scoring.loss(model, List.of(), batch);
        baseSum += b.lossSum();
        tunedSum += Scoring.loss(model, List.of(adapter), batch).lossSum();
        tokens += b.tokenCount();
      }
    assertEquals(tokens, base.tokens());
    assertEquals(baseSum, base.lossSum(), 1e-4 * baseSum);
    assertEquals(tunedSum, tuned.lossSum(), 1e-4 * tunedSum);

    // evaluation.json: perplexity = exp(loss); the committed output
    Path dir = tmp.resolve("two");
    assertTrue(Files.exists(dir.resolve("_SUCCESS")));
    JsonNode ev = JSON.readTree(dir.resolve(Evaluation.EVALUATION).toFile());
    assertEquals("validation", ev.get("split").asText());
    assertEquals(2, ev.get("variants").size());
    for (JsonNode v : ev.get("variants")) {
      assertEquals(Math.exp(v.get("loss").asDouble()), v.get("perplexity").asDouble(), 1e-12 * v.get("perplexity").asDouble());
      assertEquals(v.get("loss_sum").asDouble() / v.get("tokens").asLong(), v.get("loss").asDouble(), 1e-12);
    }
    assertEquals(tuned.loss(), ev.get("variants").get(1).get("loss").asDouble(), 1e-12);
    // the compute it used (Spark's task metrics), as train records it
    assertTrue(ev.get("compute").get("executor_core_s").asDouble() > 0, ev.get("compute").toString());
    assertEquals(base.tokens() + tuned.tokens(), ev.get("compute").get("tokens_processed").asLong());

    // generations.jsonl: one line per prompt, rendered with the data's template (alpaca), before/after for the report
    List<String> lines = Files.readAllLines(dir.resolve(Evaluation.GENERATIONS));
    assertEquals(2, lines.size());
    boolean changed = false;
    for (int i = 0; i < 2; i++) {
      JsonNode g = JSON.readTree(lines.get(i));
      assertEquals(i == 0 ? q1 : q2, g.get("prompt").asText());
      assertTrue(g.get("rendered").asText().contains("### Instruction:\n" + g.get("prompt").asText() + "\n\n### Response:\n"), g.toString());
      assertEquals(g.get("before").asText(), g.get("outputs").get("base").asText());
      assertEquals(g.get("after").asText(), g.get("outputs").get("base + train").asText());
      changed |= !g.get("before").asText().equals(g.get("after").asText());
    }
    assertTrue(changed, "the adapter changes the greedy answers: " + lines);
    assertEquals(0, Files.readAllLines(tmp.resolve("one").resolve(Evaluation.GENERATIONS)).size());
  }

  @Test
  void stackedAdaptersAreScoredPrefixByPrefix() throws Exception {
    String out = tmp.resolve("stacked").toUri().toString();
    EvaluateJob.Summary s = evaluate(conf(out, "evaluate.workers=2", "model.adapters=[\"" + trained + "/adapter\"]"));
    assertEquals(List.of("base", "base + train", "base + train + train"), s.scores().stream().map(x -> x.variant().name()).toList());
    // the first adapter alone is the same model as evaluate.train-output alone
    EvaluateJob.Summary alone = evaluate(conf(tmp.resolve("alone").toUri().toString(), "evaluate.workers=2"));
    assertEquals(alone.scores().get(1).lossSum(), s.scores().get(1).lossSum(), 1e-9 * alone.scores().get(1).lossSum());
    assertNotEquals(s.scores().get(1).lossSum(), s.scores().get(2).lossSum());
  }

  record Result(int code, String out, String err) {}

  Result cli(String... args) {
    LocalSpark.get();
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  Result cli(List<String> conf) {
    List<String> args = new ArrayList<>(List.of("evaluate"));
    args.addAll(conf);
    return cli(args.toArray(String[]::new));
  }

  static void assertOneLine(Result r, int code, String... fragments) {
    TrainRefusalsTest.assertOneLine(new TrainRefusalsTest.Result(r.code(), r.out(), r.err()), code, fragments);
  }

  Path copy(String uri, String name) throws IOException {
    Path from = Path.of(java.net.URI.create(uri)), to = tmp.resolve(name);
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(target); else Files.copy(p, target);
      }
    }
    return to;
  }

  @Test
  void cliWritesTheSummaryAndRefusesToOverwrite() throws Exception {
    String out = tmp.resolve("cli").toUri().toString();
    Result r = cli(conf(out, "evaluate.workers=2"));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("evaluate: 8 validation rows"), r.out());
    assertTrue(r.out().contains("base + train loss"), r.out());
    byte[] before = Files.readAllBytes(tmp.resolve("cli").resolve(Evaluation.EVALUATION));
    assertOneLine(cli(conf(out, "evaluate.workers=2")), 6, "already committed");
    assertArrayEquals(before, Files.readAllBytes(tmp.resolve("cli").resolve(Evaluation.EVALUATION)));
    Result help = cli("evaluate", "--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("evaluate.train-output"), help.out());
  }

  @Test
  void refusals() throws Exception {
    String out = tmp.resolve("refused").toUri().toString();
    Path noSuccess = copy(TrainFixtures.prepared(), "data");
    Files.delete(noSuccess.resolve("_SUCCESS"));
    assertOneLine(cli(conf(out, "evaluate.data=" + noSuccess.toUri())), 4, "evaluate.data", "has no _SUCCESS");
    assertOneLine(cli(conf(out, "model.adapters=[\"" + tmp.resolve("missing").toUri() + "\"]")), 4, "no adapter_config.json",
        tmp.resolve("missing").toString());
    Path running = copy(trained, "train-running");
    Files.delete(running.resolve("_SUCCESS"));
    assertOneLine(cli(conf(out, "evaluate.train-output=" + running.toUri())), 4, "evaluate.train-output", "has no _SUCCESS");
    assertOneLine(cli(conf("")), 3, "evaluate.output is required");
    assertOneLine(cli(conf(out, "evaluate.split=test")), 3, "evaluate.split");
    assertOneLine(cli(conf(trained + "/evaluate")), 3);       // inside an input
    assertFalse(Files.exists(tmp.resolve("refused")), "nothing written");
  }
}
