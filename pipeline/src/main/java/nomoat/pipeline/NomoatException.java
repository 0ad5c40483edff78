package nomoat.pipeline;

/**
 * The one exception type a stage lets escape. Its {@link ExitCode} is what the CLI returns, so Airflow and
 * cron can tell a config mistake from bad data from a storage failure. The message is the single line a
 * user sees: it names the file, row or key at fault.
 */
public class NomoatException extends RuntimeException {

  /** Process exit codes, documented in the README. */
  public enum ExitCode {
    OK(0), FAILURE(1), USAGE(2), CONFIG(3), INPUT_DATA(4), IO(5), OUTPUT_EXISTS(6);
    public final int code;
    ExitCode(int code) { this.code = code; }
  }

  private final ExitCode exitCode;

  public NomoatException(ExitCode exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public NomoatException(ExitCode exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public ExitCode exitCode() { return exitCode; }

  public static NomoatException config(String message) { return new NomoatException(ExitCode.CONFIG, message); }
  public static NomoatException inputData(String message) { return new NomoatException(ExitCode.INPUT_DATA, message); }
  public static NomoatException inputData(String message, Throwable cause) { return new NomoatException(ExitCode.INPUT_DATA, message, cause); }
  public static NomoatException io(String message, Throwable cause) { return new NomoatException(ExitCode.IO, message, cause); }
}
