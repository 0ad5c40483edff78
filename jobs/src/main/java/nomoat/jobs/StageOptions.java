package nomoat.jobs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import nomoat.pipeline.config.ConfigLoader;
import nomoat.pipeline.config.NomoatConfig;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Options every stage shares: the config file and key=value overrides. */
public final class StageOptions {
  @Option(names = "--conf", paramLabel = "FILE", description = "HOCON config file (defaults: reference.conf in the jar).")
  Path conf;

  @Parameters(paramLabel = "key=value", arity = "0..*", description = "Config overrides, e.g. prepare.max-length=1024.")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--master", paramLabel = "URL", description = "Spark master when nomoat starts Spark itself (default: spark.master from config, local[*]).")
  String master;

  public NomoatConfig load() {
    List<String> all = new ArrayList<>(overrides);
    if (master != null) all.add("spark.master=" + master);
    return ConfigLoader.load(conf, all);
  }
}
