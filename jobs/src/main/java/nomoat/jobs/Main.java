package nomoat.jobs;

import java.io.PrintWriter;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.NomoatException.ExitCode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code nomoat <stage> --conf FILE [key=value ...]}. The same class is the spark-submit entry point:
 * {@code spark-submit --class nomoat.jobs.Main nomoat-app.jar prepare --conf job.conf}.
 * Exit codes (README): 0 ok, 1 unexpected failure, 2 usage, 3 config, 4 input data, 5 I/O, 6 output exists.
 */
@Command(name = "nomoat", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "LoRA instruction tuning of LLaMA-family models on Spark.",
    footer = {"", "Benchmarks (prepare, engine, aggregate): bin/nomoat bench --help", "(module bench, not in the app jar)."},
    subcommands = {PrepareCommand.class, InspectCommand.class, TrainCommand.class, EvaluateCommand.class, EstimateCommand.class, GenerateCommand.class, ExportCommand.class, ReportCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    int code = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    System.exit(code);
  }

  /** Runs a command line and returns the exit code (tests call this instead of main). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(new Main(), args, out, err);
  }

  /**
   * Runs a picocli command with nomoat's error handling: one line on {@code err} and the README's exit codes. The bench
   * module's commands (outside the app jar) come through here too.
   */
  public static int run(Object command, String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(command);
    cli.setOut(out);
    cli.setErr(err);
    cli.setExitCodeExceptionMapper(Main::exitCode);
    cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      NomoatException known = find(ex);
      if (known != null) {
        err.println("nomoat: error: " + known.getMessage());
        return known.exitCode().code;
      }
      err.println("nomoat: unexpected failure: " + ex);
      ex.printStackTrace(err);
      return ExitCode.FAILURE.code;
    });
    return cli.execute(args);
  }

  private static int exitCode(Throwable t) {
    if (t instanceof CommandLine.ParameterException) return ExitCode.USAGE.code;
    NomoatException known = find(t);
    return known != null ? known.exitCode().code : ExitCode.FAILURE.code;
  }

  /** Spark wraps task failures; the first NomoatException in the cause chain is the one to report. */
  static NomoatException find(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof NomoatException n) return n;
      if (c.getCause() == c) break;
    }
    return null;
  }

  @Spec CommandSpec spec;

  /** Without a stage: the usage, on the writer this command line was given. */
  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The jar's version (Implementation-Version), or "dev" when run from classes. */
  public static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"nomoat " + version()};
    }
  }
}
