package nomoat.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.Callable;
import nomoat.pipeline.NomoatException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Benchmarks that are rerun by hand and reported in the README (never timed tests). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks: prepare throughput, engine training step, gradient aggregation, Spark's cost to training.",
    subcommands = {BenchCommand.Prepare.class, BenchCommand.Engine.class, AggregateCommand.class, TrainBenchCommand.class})
final class BenchCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "engine", description = {"One optimiser step (forward + backward + AdamW) on random-weight models A and B,",
      "LoRA on q,v and all 7 projections: tokens/s, GFLOP/s vs ND4J's SGEMM peak, peak RSS. Options: engine bench --help.",
      "bin/bench-engine runs it beside the PyTorch peer and prints the ratios."})
  static final class Engine implements Callable<Integer> {
    @picocli.CommandLine.Unmatched java.util.List<String> args = new java.util.ArrayList<>();

    @Override
    public Integer call() {
      return nomoat.pipeline.bench.EngineBench.run(args.toArray(String[]::new));
    }
  }

  @Command(name = "prepare", mixinStandardHelpOptions = true,
      description = "prepare on a generated Alpaca dataset on local[N]: end-to-end tokens/s per core vs raw DJL tokenization.")
  static final class Prepare implements Callable<Integer> {
    @Option(names = "--rows", defaultValue = "200000") int rows;
    @Option(names = "--files", defaultValue = "8") int files;
    @Option(names = "--cores", defaultValue = "2") int cores;
    @Option(names = "--runs", defaultValue = "3") int runs;
    @Option(names = "--template", defaultValue = "alpaca") String template;
    @Option(names = "--fixtures", defaultValue = "../shared/fixtures") Path fixtures;
    @Option(names = "--work", description = "Scratch directory (default: a temp dir).") Path work;
    @Option(names = "--json-out") Path jsonOut;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      for (var o : new Object[][] {{"--rows", rows}, {"--files", files}, {"--cores", cores}, {"--runs", runs}}) {
        if ((int) o[1] < 1) throw new NomoatException(NomoatException.ExitCode.USAGE, "bench prepare: " + o[0] + " must be at least 1, got " + o[1]);
      }
      Path dir = work != null ? work : Files.createTempDirectory("nomoat-bench-prepare");
      PrepareBench.Result r = PrepareBench.run(fixtures.toAbsolutePath(), dir, rows, files, cores, runs, template);
      PrintWriter out = spec.commandLine().getOut();
      out.printf("bench prepare: %,d Alpaca rows, %,d tokens, local[%d], template %s, runs %s s%n", r.rows(), r.tokens(), r.cores(), template, r.runs());
      out.printf("  end-to-end (median)      : %,.0f tokens/s per core (%.1f s)%n", r.endToEndTokensPerSecondPerCore(), r.medianSeconds());
      out.printf("  raw DJL tokenizer, %d threads   : %,.0f tokens/s per core (median of the per-run measurements)%n", r.cores(), r.rawTokensPerSecond());
      out.printf("  nomoat builder (template + tokenize + mask), 1 core: %,.0f tokens/s%n", r.builderTokensPerSecond());
      out.printf("  Spark + templating + Parquet overhead over raw tokenization (median of per-run ratios %s): %.0f%%%n",
          r.runOverheads().stream().map(x -> String.format("%.0f%%", 100 * x)).toList(), 100 * r.overhead());
      if (jsonOut != null) new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(jsonOut.toFile(), r);
      return 0;
    }
  }
}
