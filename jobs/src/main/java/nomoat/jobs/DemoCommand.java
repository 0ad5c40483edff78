package nomoat.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import nomoat.pipeline.config.ConfigLoader;
import nomoat.pipeline.config.NomoatConfig;
import nomoat.pipeline.format.TokenizerFiles;
import nomoat.pipeline.tokenize.HfTokenizer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Runs the stages that exist on the embedded demo config (real fixture datasets and tokenizer) on local Spark. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Prepare real instruction datasets (Self-Instruct, GSM8K, OpenAssistant) for TinyLlama's tokenizer on local Spark,",
        "then show one rendered example per source with its trained tokens marked. Output: runs/demo/ (NOMOAT_RUNS)."})
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--master", defaultValue = "local[*]") String master;
  @Parameters(paramLabel = "key=value", arity = "0..*", description = "Config overrides on top of the embedded demo config.")
  List<String> overrides = new ArrayList<>();
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    List<String> all = new ArrayList<>(overrides);
    all.add("spark.master=" + master);
    NomoatConfig config = ConfigLoader.loadResource(DemoCommand.class.getClassLoader(), "nomoat/demo.conf", all);
    SparkSession spark = Sparks.session(config.spark(), "demo");
    Configuration hadoop;
    try {
      PrepareJob.Summary summary = PrepareJob.run(spark, config, true);
      spec.commandLine().getOut().println(summary);
      hadoop = new Configuration(spark.sparkContext().hadoopConfiguration());
    } finally {
      spark.stop();
    }
    TokenizerFiles files = TokenizerFiles.read(hadoop, config.prepare().tokenizer());
    HfTokenizer tokenizer = HfTokenizer.cached(files.tokenizerJson(), files.tokenizerConfigJson());
    new Inspector(spec.commandLine().getOut(), false, System.console() != null).rows(hadoop, config.prepare(), tokenizer, 1, null);
    return 0;
  }
}
