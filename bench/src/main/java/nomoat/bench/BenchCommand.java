package nomoat.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import nomoat.jobs.Main;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.template.TemplateName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nomoat bench ...}: benchmarks rerun by hand and reported in the README (never timed tests). They live in this
 * module, outside the app jar Spark executors load; {@code bin/nomoat bench ...} runs {@link #main} with this module on
 * the classpath, and {@link Main#run(Object, String[], PrintWriter, PrintWriter)} gives them the CLI's error line and
 * exit codes. A new benchmark is a picocli command class in this package, listed in {@code subcommands} below.
 */
@Command(name = "nomoat bench", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Benchmarks: prepare throughput, engine training step, gradient aggregation, Spark's cost to training, BF16 GEMM, activation recomputation.",
    subcommands = {BenchCommand.Prepare.class, EngineBench.class, AggregateCommand.class, TrainBenchCommand.class,
        SbgemmBench.class, RecomputeBench.class})
public final class BenchCommand implements Runnable {
  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs {@code nomoat bench <args>} and returns the exit code (tests call this instead of main). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return Main.run(new BenchCommand(), args, out, err);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "prepare", mixinStandardHelpOptions = true, sortOptions = false,
      description = "prepare on a generated Alpaca dataset on local[N]: end-to-end tokens/s per core vs raw DJL tokenization.")
  static final class Prepare implements Callable<Integer> {
    @Option(names = "--rows", defaultValue = "200000", description = "Rows generated from the fixture Alpaca rows (default ${DEFAULT-VALUE}).")
    int rows;
    @Option(names = "--files", defaultValue = "8", description = "JSONL files the rows are written to (default ${DEFAULT-VALUE}).")
    int files;
    @Option(names = "--cores", defaultValue = "2", description = "Spark master local[N] and raw tokenizer threads (default ${DEFAULT-VALUE}).")
    int cores;
    @Option(names = "--runs", defaultValue = "3", description = "Measured prepare runs; the median is reported (default ${DEFAULT-VALUE}).")
    int runs;
    @Option(names = "--template", defaultValue = "alpaca", description = "Chat template of the prepared examples, as prepare.template (default ${DEFAULT-VALUE}).")
    String template;
    @Option(names = "--fixtures", defaultValue = "${env:NOMOAT_FIXTURES:-../shared/fixtures}",
        description = "The test fixtures (tokenizer, datasets); default NOMOAT_FIXTURES, else ../shared/fixtures (now ${DEFAULT-VALUE}).")
    Path fixtures;
    @Option(names = "--work", description = "Scratch directory (default: a temp dir).")
    Path work;
    @Option(names = "--json-out", paramLabel = "FILE", description = "Also write the result as JSON to FILE.")
    Path jsonOut;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      for (var o : new Object[][] {{"--rows", rows}, {"--files", files}, {"--cores", cores}, {"--runs", runs}}) {
        if ((int) o[1] < 1) throw new NomoatException(NomoatException.ExitCode.USAGE, "bench prepare: " + o[0] + " must be at least 1, got " + o[1]);
      }
      TemplateName templateName;
      try {
        templateName = TemplateName.parse(template);
      } catch (NomoatException e) {
        throw new NomoatException(NomoatException.ExitCode.USAGE, "bench prepare: --template " + e.getMessage());
      }
      Path dir = work != null ? work : Files.createTempDirectory("nomoat-bench-prepare");
      PrepareBench.Result r = PrepareBench.run(fixtures.toAbsolutePath(), dir, rows, files, cores, runs, templateName);
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
