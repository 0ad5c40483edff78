package nomoat.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.NomoatConfig;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.report.RunReport;
import nomoat.pipeline.shard.Manifest;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** A training output -> {@code <run>/report.html}: curves from metrics.jsonl, dataset statistics, generations. No Spark. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"A training output directory -> <run>/report.html: one self-contained page (inline SVG + CSS, no JavaScript) with",
        "loss / validation loss, learning rate, gradient norm, tokens/s and coordination share per step, the prepare manifest's",
        "length histogram and rejects (found through run.json, or --data), and before/after generations (--generations JSONL)."})
final class ReportCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Mixin StageOptions options;

  @Option(names = "--run", required = true, paramLabel = "DIR", description = "A train output directory (metrics.jsonl, run.json).")
  String run;

  @Option(names = "--data", paramLabel = "DIR", description = "The prepare output the run trained on (default: from run.json).")
  String data;

  @Option(names = "--generations", paramLabel = "FILE",
      description = "JSONL of {prompt, before, after} (default: <run>/generations.jsonl when present).")
  String generations;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    NomoatConfig config = options.load();
    spec.commandLine().getOut().println(write(HadoopConf.from(config.spark()), run, data, generations));
    return 0;
  }

  /**
   * Writes {@code <run>/report.html} (through a temporary file renamed over it) and returns the one-line summary.
   *
   * @param data        the prepare output (null = from run.json)
   * @param generations JSONL of {prompt, before, after} (null = {@code <run>/generations.jsonl} when present)
   */
  static String write(Configuration hadoop, String run, String data, String generations) throws IOException {
    String metricsUri = new Path(run, "metrics.jsonl").toString();
    if (!Storage.exists(hadoop, metricsUri)) throw NomoatException.inputData(run + " has no metrics.jsonl (is it a train output?)");
    List<RunReport.Step> steps = RunReport.parseMetrics(metricsUri, text(hadoop, metricsUri));
    String dataDir = data != null ? data : dataFromRunJson(hadoop, run);
    Manifest manifest = dataDir == null ? null : Manifest.read(hadoop, new Path(dataDir, Manifest.FILE_NAME).toString());
    String gen = generations != null ? generations : new Path(run, "generations.jsonl").toString();
    List<RunReport.Generation> gens = generations != null || Storage.exists(hadoop, gen) ? readGenerations(hadoop, gen) : List.of();
    String runJson = new Path(run, "run.json").toString();
    RunReport.Compute compute = Storage.exists(hadoop, runJson) ? RunReport.Compute.fromRunJson(runJson, text(hadoop, runJson)) : null;
    String html = RunReport.html("nomoat run " + new Path(run).getName(), steps, manifest, gens, compute);
    Path target = new Path(run, "report.html"), tmp = new Path(run, ".report.html.tmp");
    Storage.writeBytes(hadoop, tmp.toString(), html.getBytes(StandardCharsets.UTF_8));
    FileSystem fs = Storage.fileSystem(hadoop, target);
    if (fs.exists(target)) fs.delete(target, false);
    if (!fs.rename(tmp, target)) throw NomoatException.io("cannot rename " + tmp + " to " + target, null);
    return "report: " + steps.size() + " steps" + (manifest == null ? "" : ", dataset " + dataDir)
        + (gens.isEmpty() ? "" : ", " + gens.size() + " generations") + " -> " + fs.makeQualified(target);
  }

  /** run.json's data path: "data", "train_data", or config.train.data. */
  private static String dataFromRunJson(Configuration hadoop, String run) throws IOException {
    String uri = new Path(run, "run.json").toString();
    if (!Storage.exists(hadoop, uri)) return null;
    JsonNode n = JSON.readTree(text(hadoop, uri));
    for (JsonNode c : List.of(n.path("data"), n.path("train_data"), n.path("config").path("train").path("data"), n.path("config").path("data")))
      if (c.isTextual() && !c.asText().isBlank()) return c.asText();
    return null;
  }

  private static List<RunReport.Generation> readGenerations(Configuration hadoop, String uri) {
    List<RunReport.Generation> out = new ArrayList<>();
    String[] lines = text(hadoop, uri).split("\n");
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].isBlank()) continue;
      try {
        JsonNode n = JSON.readTree(lines[i]);
        out.add(new RunReport.Generation(n.path("prompt").asText(""), n.path("before").asText(""), n.path("after").asText("")));
      } catch (IOException e) {
        throw NomoatException.inputData(uri + ":" + (i + 1) + " is not JSON");
      }
    }
    return out;
  }

  private static String text(Configuration hadoop, String uri) {
    return new String(Storage.readAllBytes(hadoop, uri, 256L << 20), StandardCharsets.UTF_8);
  }
}
