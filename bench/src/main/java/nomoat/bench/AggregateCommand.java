package nomoat.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import nomoat.pipeline.NomoatException;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code nomoat bench aggregate}: the per-step coordination cost of reduce vs treeAggregate (see AggregationBench). */
@Command(name = "aggregate", mixinStandardHelpOptions = true, description = {
    "One training step with nothing to compute (broadcast a float[] adapter, P tasks return it as compact float bytes,",
    "combine, destroy the broadcast): median wall time of reduce vs treeAggregate (null zero, depth 2, and with the",
    "final merge on an executor), for cfg A's adapter (engine bench, LoRA r=8 on all 7 projections) and 4M floats (16 MB)."})
final class AggregateCommand implements Callable<Integer> {
  @Option(names = "--master", defaultValue = "local[2]", description = "Spark master (default ${DEFAULT-VALUE}), e.g. spark://127.0.0.1:7077")
  String master;
  @Option(names = "--sizes", split = ",", defaultValue = "A,4194304", description = "Adapter sizes in floats; A = cfg A's adapter (default ${DEFAULT-VALUE})")
  List<String> sizes;
  @Option(names = "--partitions", split = ",", defaultValue = "2,8,32", description = "Task counts (default ${DEFAULT-VALUE})")
  List<Integer> partitions;
  @Option(names = "--modes", split = ",", defaultValue = "reduce,tree,tree_on_executor",
      description = "How gradients are combined: reduce, tree (treeAggregate, depth 2), tree_on_executor (final merge on an executor) (default ${DEFAULT-VALUE})")
  List<String> modes;
  @Option(names = "--reps", defaultValue = "9", description = "Measured steps per cell (default ${DEFAULT-VALUE})") int reps;
  @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured steps per cell first (default ${DEFAULT-VALUE})") int warmup;
  @Option(names = "--conf", description = "Extra Spark property key=value (repeatable)") Map<String, String> conf = new TreeMap<>();
  @Spec CommandSpec spec;

  private static NomoatException usage(String message) {
    return new NomoatException(NomoatException.ExitCode.USAGE, "bench aggregate: " + message);
  }

  @Override
  public Integer call() {
    List<Integer> floats = new ArrayList<>();
    int cfgA = AggregationBench.loraParams(BenchModel.A, BenchModel.targets("all7"), 8);
    for (String s : sizes) {
      try {
        floats.add("A".equalsIgnoreCase(s.trim()) ? cfgA : Integer.parseInt(s.trim()));
      } catch (NumberFormatException e) {
        throw usage("--sizes: '" + s + "' is neither A nor a number of floats");
      }
    }
    List<AggregationBench.Mode> ms = new ArrayList<>();
    for (String m : modes) {
      try {
        ms.add(AggregationBench.Mode.valueOf(m.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw usage("--modes: '" + m + "' is not one of reduce, tree, tree_on_executor");
      }
    }
    if (reps < 1 || warmup < 0 || partitions.stream().anyMatch(p -> p < 1) || floats.stream().anyMatch(f -> f < 1))
      throw usage("--reps, --partitions and --sizes must be at least 1 and --warmup at least 0");
    SparkConf sc = new SparkConf().setMaster(master).setAppName("nomoat bench aggregate")
        .set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false");
    if (master.startsWith("spark://")) sc.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
    conf.forEach(sc::set);
    SparkSession spark = SparkSession.builder().config(sc).getOrCreate();
    try {
      java.io.PrintWriter out = spec.commandLine().getOut();
      out.printf("bench aggregate: master %s, cfg A adapter = %,d floats, %d warm-up + %d measured steps per cell%n", master, cfgA, warmup, reps);
      AggregationBench.run(spark, floats, partitions, ms, warmup, reps, out);
      return 0;
    } finally {
      spark.stop();
    }
  }
}
