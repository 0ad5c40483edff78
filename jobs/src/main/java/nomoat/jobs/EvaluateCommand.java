package nomoat.jobs;

import java.util.concurrent.Callable;
import nomoat.pipeline.config.NomoatConfig;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = {"Validation loss and perplexity over prepare's shards on Spark, for the base model and for base + adapters side by side",
        "(model.adapters, then <evaluate.train-output>/adapter), plus greedy generations of evaluate.prompts rendered with the data's template.",
        "Writes <evaluate.output>/evaluation.json, generations.jsonl and _SUCCESS."})
final class EvaluateCommand implements Callable<Integer> {
  @Mixin StageOptions options;

  @Option(names = "--force", description = "Replace a committed output (the old one stays until the new one is committed).")
  boolean force;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    NomoatConfig config = options.load();
    config.evaluate().requireDataAndOutput();
    config.model().requirePath();
    boolean existed = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
    SparkSession spark = Sparks.session(config.spark(), "evaluate");
    try {
      EvaluateJob.Summary summary = EvaluateJob.run(spark, config, force, spec.commandLine().getOut());
      spec.commandLine().getOut().println(summary);
      return 0;
    } finally {
      if (!existed) spark.stop();
    }
  }
}
