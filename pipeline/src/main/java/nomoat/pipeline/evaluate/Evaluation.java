package nomoat.pipeline.evaluate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.EvaluateSettings;
import nomoat.pipeline.config.ModelSettings;
import nomoat.pipeline.io.CommittedOutput;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.train.TrainLayout;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * What evaluate scores and what it writes. The variants are the base model alone, then the base with the first 1, 2, ...
 * of the adapters active (model.adapters in order, then the train output's adapter), so each adapter's effect shows
 * beside the one before it. Owns the stage's files: {@code evaluation.json} and {@code generations.jsonl}.
 */
public final class Evaluation {
  public static final String EVALUATION = "evaluation.json";
  public static final String GENERATIONS = "generations.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper();

  private Evaluation() {}

  /** A model variant: the base with these adapter directories active, in order. */
  public record Variant(String name, List<String> adapters) {
    public Variant {
      adapters = List.copyOf(adapters);
    }
  }

  /** A variant's summed loss over the split's trained tokens. */
  public record Score(Variant variant, double lossSum, long tokens) {
    /** Mean cross-entropy per trained token (nats). */
    public double loss() { return tokens == 0 ? Double.NaN : lossSum / tokens; }

    public double perplexity() { return Math.exp(loss()); }
  }

  /** One prompt's greedy answers, one per variant (in variant order). */
  public record Generation(String prompt, String rendered, List<String> outputs) {}

  /**
   * The adapter directories evaluated, in order: model.adapters (merge-mode ones too: an adapter merged into the base
   * gives the same logits as kept active, to float rounding), then {@code <evaluate.train-output>/adapter}. A train
   * output without {@code _SUCCESS} is refused (exit 4).
   */
  public static List<String> adapterPaths(Configuration conf, ModelSettings model, EvaluateSettings e) {
    List<String> paths = new ArrayList<>(model.adapterPaths());
    if (e.trainOutput() != null) {
      if (!Storage.exists(conf, e.trainOutput()))
        throw NomoatException.inputData("evaluate.train-output " + e.trainOutput() + " does not exist");
      if (CommittedOutput.readSuccess(conf, e.trainOutput()) == null)
        throw NomoatException.inputData("evaluate.train-output " + e.trainOutput() + " has no _SUCCESS: it is not a committed train output "
            + "(a train run still going, failed or killed); run train to completion first");
      paths.add(TrainLayout.resolve(e.trainOutput(), TrainLayout.ADAPTER));
    }
    return paths;
  }

  /** The base, then the base with each prefix of {@code adapters}. */
  public static List<Variant> variants(List<String> adapters) {
    List<Variant> out = new ArrayList<>();
    out.add(new Variant("base", List.of()));
    List<String> names = new ArrayList<>();
    for (int k = 1; k <= adapters.size(); k++) {
      names.add(shortName(adapters.get(k - 1)));
      out.add(new Variant("base + " + String.join(" + ", names), adapters.subList(0, k)));
    }
    return out;
  }

  /** "adapter" directories are named by their parent (a train output's adapter/ is that run's). */
  static String shortName(String dir) {
    Path p = new Path(dir);
    String name = p.getName();
    if ((name.equals(TrainLayout.ADAPTER) || name.isEmpty()) && p.getParent() != null) name = p.getParent().getName();
    return name;
  }

  /** evaluation.json: the run, what was scored, and one entry per variant with loss, perplexity and tokens. */
  public static Map<String, Object> summary(Map<String, Object> run, List<Score> scores) {
    Map<String, Object> out = new LinkedHashMap<>(run);
    List<Map<String, Object>> variants = new ArrayList<>();
    for (Score s : scores) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("name", s.variant().name());
      v.put("adapters", s.variant().adapters());
      v.put("loss", finite(s.loss()));
      v.put("perplexity", finite(s.perplexity()));
      v.put("tokens", s.tokens());
      v.put("loss_sum", finite(s.lossSum()));
      variants.add(v);
    }
    out.put("variants", variants);
    return out;
  }

  private static Double finite(double v) { return Double.isFinite(v) ? v : null; }

  public static void writeSummary(Configuration conf, String dir, Map<String, Object> summary) {
    try {
      Storage.writeBytes(conf, resolve(dir, EVALUATION), JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(summary));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(EVALUATION + " holds a value JSON cannot hold: " + e.getMessage(), e);
    }
  }

  /**
   * generations.jsonl: per prompt {@code {prompt, rendered, outputs: {variant: text}, before, after}} where before is the
   * base's answer and after the last variant's (the report's before/after columns).
   */
  public static void writeGenerations(Configuration conf, String dir, List<Variant> variants, List<Generation> generations) {
    StringBuilder sb = new StringBuilder();
    try {
      for (Generation g : generations) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("prompt", g.prompt());
        line.put("rendered", g.rendered());
        Map<String, String> outputs = new LinkedHashMap<>();
        for (int i = 0; i < variants.size(); i++) outputs.put(variants.get(i).name(), g.outputs().get(i));
        line.put("outputs", outputs);
        line.put("before", g.outputs().get(0));
        line.put("after", g.outputs().get(g.outputs().size() - 1));
        sb.append(JSON.writeValueAsString(line)).append('\n');
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
    Storage.writeBytes(conf, resolve(dir, GENERATIONS), sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  public static String resolve(String dir, String relative) {
    return new Path(new Path(dir), relative).toString();
  }
}
