package nomoat.jobs;

import java.util.concurrent.Callable;
import nomoat.pipeline.config.NomoatConfig;
import nomoat.pipeline.io.CommittedOutput;
import nomoat.pipeline.prepare.PrepareOutput;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "prepare", mixinStandardHelpOptions = true,
    description = {"Instruction datasets (JSON/JSONL/Parquet/CSV; Alpaca, ShareGPT, messages, text) -> tokenized, masked Parquet shards.",
        "Writes <prepare.output>/data/{train,validation}/part-*.parquet, manifest.json, rejected/ and _SUCCESS."})
final class PrepareCommand implements Callable<Integer> {
  @Mixin StageOptions options;

  @Option(names = "--force", description = "Replace a committed output (the old one stays until the new one is committed).")
  boolean force;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    NomoatConfig config = options.load();
    // Settings and the output path are checked before Spark starts; a refusal touches nothing.
    CommittedOutput out = PrepareOutput.begin(HadoopConf.from(config.spark()), config.prepare(), force);
    for (String removed : out.staleStagingRemoved()) {
      spec.commandLine().getErr().println("nomoat: warning: removed " + removed + ", the staging dir of a killed or failed run");
    }
    boolean existed = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
    SparkSession spark;
    try {
      spark = Sparks.session(config.spark(), "prepare");
    } catch (RuntimeException | Error e) {
      out.abort();
      throw e;
    }
    try {
      PrepareJob.Summary summary = PrepareJob.run(spark, config, out);
      spec.commandLine().getOut().println(summary);
      return 0;
    } finally {
      if (!existed) spark.stop();
    }
  }
}
