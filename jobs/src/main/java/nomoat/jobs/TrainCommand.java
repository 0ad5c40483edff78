package nomoat.jobs;

import java.util.concurrent.Callable;
import nomoat.pipeline.config.NomoatConfig;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Data-parallel LoRA training on Spark over prepare's shards.",
        "Writes <train.output>/adapter/ (PEFT), metrics.jsonl, run.json and _SUCCESS."})
final class TrainCommand implements Callable<Integer> {
  @Mixin StageOptions options;

  @Option(names = "--force", description = "Replace a committed output (the old one stays until the new one is committed).")
  boolean force;

  @Option(names = "--resume", paramLabel = "auto|PATH",
      description = "Continue from the newest committed checkpoint of train.output (auto; a fresh start when there is none) or from the checkpoint directory PATH.")
  String resume;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    NomoatConfig config = options.load();
    config.train().requireDataAndOutput();
    config.model().requirePath();
    boolean existed = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
    SparkSession spark = Sparks.session(config.spark(), "train");
    try {
      TrainJob.Summary summary = TrainJob.run(spark, config, force, resume, spec.commandLine().getOut());
      spec.commandLine().getOut().println(summary);
      return 0;
    } finally {
      if (!existed) spark.stop();
    }
  }
}
