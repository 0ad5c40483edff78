package nomoat.pipeline;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.regex.Pattern;

/**
 * Jackson's parse errors as one line: its messages span two lines and quote the input as "[Source: REDACTED ...]",
 * which names nothing. Callers put the file's name in front.
 */
public final class JsonErrors {
  private JsonErrors() {}

  private static final Pattern SOURCE = Pattern.compile("\\[Source: .*?; line: (\\d+), column: (\\d+)\\]");

  /** "Unexpected end-of-input: expected close marker for Object (start marker at line 1, column 1) at line 1, column 4001". */
  public static String oneLine(Throwable e) {
    String message;
    if (e instanceof JsonProcessingException j) {
      message = SOURCE.matcher(String.valueOf(j.getOriginalMessage())).replaceAll("line $1, column $2");
      JsonLocation at = j.getLocation();
      if (at != null && at.getLineNr() > 0) message += " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    } else {
      message = String.valueOf(e.getMessage());
    }
    return message.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
