package nomoat.pipeline.source;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one RFC 4180 record (comma-separated; a field in double quotes may contain commas, newlines and
 * {@code ""} for a quote). Strict where leniency would corrupt data: a quote inside an unquoted field, text
 * after a closing quote and an unterminated quote are errors.
 */
final class CsvRecordParser {
  private CsvRecordParser() {}

  static final class MalformedCsv extends Exception {
    MalformedCsv(String message) { super(message, null, false, false); }
  }

  static List<String> parse(String record) throws MalformedCsv {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int i = 0;
    int n = record.length();
    while (true) {
      field.setLength(0);
      if (i < n && record.charAt(i) == '"') {
        int open = i++;
        while (true) {
          if (i >= n) throw new MalformedCsv("quoted field opened at character " + (open + 1) + " is never closed");
          char c = record.charAt(i++);
          if (c == '"') {
            if (i < n && record.charAt(i) == '"') {
              field.append('"');
              i++;
            } else {
              break;
            }
          } else {
            field.append(c);
          }
        }
        if (i < n && record.charAt(i) != ',') {
          throw new MalformedCsv("unexpected text after the closing quote at character " + (i + 1));
        }
      } else {
        while (i < n && record.charAt(i) != ',') {
          char c = record.charAt(i);
          if (c == '"') throw new MalformedCsv("quote inside an unquoted field at character " + (i + 1));
          field.append(c);
          i++;
        }
      }
      fields.add(field.toString());
      if (i >= n) return fields;
      i++; // the comma
    }
  }

  /** Scanner state between lines of one record: only {@link #IN_QUOTES} means the record continues. */
  static final int FIELD_START = 0, UNQUOTED = 1, IN_QUOTES = 2, QUOTE_IN_QUOTES = 3;

  /**
   * The quoting state after scanning a line, starting from {@code state} (FIELD_START for a record's first
   * line, IN_QUOTES for a continuation). Quotes inside unquoted fields do not open anything, so one stray
   * quote cannot swallow the lines after it.
   */
  static int scan(byte[] bytes, int len, int state) {
    for (int i = 0; i < len; i++) {
      byte c = bytes[i];
      state = switch (state) {
        case FIELD_START -> c == '"' ? IN_QUOTES : c == ',' ? FIELD_START : UNQUOTED;
        case UNQUOTED -> c == ',' ? FIELD_START : UNQUOTED;
        case IN_QUOTES -> c == '"' ? QUOTE_IN_QUOTES : IN_QUOTES;
        default -> c == '"' ? IN_QUOTES : c == ',' ? FIELD_START : UNQUOTED;
      };
    }
    return state;
  }
}
