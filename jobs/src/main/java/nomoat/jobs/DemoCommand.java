package nomoat.jobs;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import nomoat.pipeline.config.ConfigLoader;
import nomoat.pipeline.config.NomoatConfig;
import nomoat.pipeline.data.ColorTask;
import nomoat.pipeline.evaluate.Evaluation;
import nomoat.pipeline.export.ModelExport;
import nomoat.pipeline.format.TokenizerFiles;
import nomoat.pipeline.io.CommittedOutput;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.report.RunReport;
import nomoat.pipeline.tokenize.HfTokenizer;
import nomoat.pipeline.train.TrainLayout;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The README's first command: the whole product on the embedded demo config (nomoat/demo.conf), on local Spark.
 * Generates the color task, then prepare → train → evaluate → export → report, replacing the demo's earlier outputs,
 * and prints where each output is, the loss drop and the before/after answers.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Fine-tune the real pretrained stories260K with LoRA on a generated instruction task it lacks, on local Spark:",
        "prepare -> train -> evaluate -> export -> report. Prints each output's path, the loss drop and before/after answers.",
        "Output: runs/demo/ (NOMOAT_RUNS); fixtures from ../shared/fixtures (NOMOAT_FIXTURES)."})
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--master", defaultValue = "local[*]", description = "Spark master (default: ${DEFAULT-VALUE}).") String master;
  @Parameters(paramLabel = "key=value", arity = "0..*", description = "Config overrides on top of the embedded demo config.")
  List<String> overrides = new ArrayList<>();
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    long t0 = System.nanoTime();
    PrintWriter out = spec.commandLine().getOut();
    List<String> all = new ArrayList<>(overrides);
    all.add("spark.master=" + master);
    NomoatConfig config = ConfigLoader.loadResource(DemoCommand.class.getClassLoader(), "nomoat/demo.conf", all);
    // Executors of a real cluster (--master spark://...) run in other directories: give them absolute paths.
    List<String> absolute = new ArrayList<>(all);
    for (String key : List.of("fixtures", "runs")) absolute.add("vars." + key + "=" + absolute(String.valueOf(config.effective("vars").get(key))));
    config = ConfigLoader.loadResource(DemoCommand.class.getClassLoader(), "nomoat/demo.conf", absolute);
    Map<String, Object> vars = config.effective("vars");
    String dataset = String.valueOf(vars.get("dataset"));
    Configuration hadoop = HadoopConf.from(config.spark());
    List<String> rows = ColorTask.alpacaJsonl(((Number) vars.get("dataset-seed")).longValue(), ((Number) vars.get("dataset-rows")).intValue());
    Storage.writeBytes(hadoop, dataset, (String.join("\n", rows) + "\n").getBytes(StandardCharsets.UTF_8));
    out.println("demo: generated " + rows.size() + " rows of the color task -> " + dataset);

    boolean existed = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
    SparkSession spark = Sparks.session(config.spark(), "demo");
    TrainJob.Summary train;
    EvaluateJob.Summary eval;
    try {
      out.println(PrepareJob.run(spark, config, true));
      hadoop = new Configuration(spark.sparkContext().hadoopConfiguration());
      TokenizerFiles files = TokenizerFiles.read(hadoop, config.prepare().tokenizer());
      HfTokenizer tokenizer = HfTokenizer.cached(files.tokenizerJson(), files.tokenizerConfigJson());
      new Inspector(out, false, System.console() != null).rows(hadoop, config.prepare(), tokenizer, 1, null);
      train = TrainJob.run(spark, config, true, out);
      out.println(train);
      eval = EvaluateJob.run(spark, config, true, out);
      out.println(eval);
    } finally {
      if (!existed) spark.stop();
    }
    CommittedOutput export = CommittedOutput.begin(hadoop, config.export().output(), true);
    try {
      ModelExport.Result r = ModelExport.write(hadoop, config.model(), config.export(), export.stagingDir());
      export.commit();
      out.println("export: " + config.export().adapter() + " -> " + export.outputUri() + ": " + r);
    } finally {
      export.abort();
    }
    String trainOut = config.train().output(), evalOut = config.evaluate().output();
    out.println(ReportCommand.write(hadoop, trainOut, null, Evaluation.resolve(evalOut, Evaluation.GENERATIONS)));

    out.println();
    out.println("Before and after (greedy, unseen questions):");
    for (Evaluation.Generation g : eval.generations()) {
      out.println("  " + g.prompt());
      out.println("    base:        " + oneLine(g.outputs().get(0)));
      out.println("    base + LoRA: " + oneLine(g.outputs().get(g.outputs().size() - 1)));
    }
    String metrics = TrainLayout.resolve(trainOut, TrainLayout.METRICS);
    List<RunReport.Step> steps = RunReport.parseMetrics(metrics,
        new String(Storage.readAllBytes(hadoop, metrics, 64L << 20), StandardCharsets.UTF_8));
    Evaluation.Score base = eval.scores().get(0), tuned = eval.scores().get(eval.scores().size() - 1);
    out.printf(Locale.ROOT, "%nLoss: training %.3f (step 1) -> %.3f (step %d); validation %.3f (perplexity %.2f) for the base -> %.3f (perplexity %.2f) with the adapter%n",
        steps.get(0).loss(), steps.get(steps.size() - 1).loss(), steps.get(steps.size() - 1).step(), base.loss(), base.perplexity(), tuned.loss(),
        tuned.perplexity());
    out.println();
    out.println("Outputs:");
    out.println("  prepared shards   " + config.prepare().output() + "  (manifest.json, data/)");
    out.println("  trained adapter   " + trainOut + "  (adapter/, metrics.jsonl, run.json)");
    out.println("  evaluation        " + evalOut + "  (evaluation.json, generations.jsonl)");
    out.println("  export            " + config.export().output() + "  (adapter/ PEFT, merged/ Hugging Face checkpoint)");
    out.println("  report            " + TrainLayout.resolve(trainOut, "report.html"));
    out.printf(Locale.ROOT, "demo: done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    return 0;
  }

  private static String oneLine(String text) { return text.replace("\n", "\\n"); }

  /** A local path made absolute; URIs with a scheme (hdfs://, s3a://, file:) as they are. */
  private static String absolute(String path) {
    if (path.matches("^[A-Za-z][A-Za-z0-9+.-]+:.*")) return path;
    return java.nio.file.Paths.get(path).toAbsolutePath().normalize().toString();
  }
}
