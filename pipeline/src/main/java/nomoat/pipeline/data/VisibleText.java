package nomoat.pipeline.data;

/**
 * Text for a terminal: control characters, line/paragraph separators and format characters (bidi overrides such as
 * U+202E, zero-width characters, BOM) would otherwise look like nothing or reorder the line; they are shown as
 * {@code \u202E} escapes, as --json shows them. Newlines and tabs are kept when a block of text is printed.
 */
public final class VisibleText {
  private VisibleText() {}

  /** {@code s} with every invisible or line-reordering character escaped; newlines and tabs kept if {@code keepNewlines}. */
  public static String escape(String s, boolean keepNewlines) {
    if (s == null) return "null";
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) append(out, s, i, keepNewlines);
    return out.toString();
  }

  /** Appends the char at {@code i} of {@code s}, escaped if needed (a surrogate pair is escaped as one code point, at its first half). */
  public static void append(StringBuilder out, String s, int i, boolean keepNewlines) {
    char c = s.charAt(i);
    if (Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1))) {
      if (!hidden(s.codePointAt(i - 1))) out.append(c);
      return;
    }
    if (keepNewlines && (c == '\n' || c == '\t')) {
      out.append(c);
      return;
    }
    int cp = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)) ? s.codePointAt(i) : c;
    if (!hidden(cp)) {
      out.append(c);
    } else if (cp == '\n') {
      out.append("\\n");
    } else if (cp == '\t') {
      out.append("\\t");
    } else if (cp == '\r') {
      out.append("\\r");
    } else if (cp > 0xFFFF) {
      out.append(String.format("\\U%08X", cp));
    } else {
      out.append(String.format("\\u%04X", cp));
    }
  }

  private static boolean hidden(int cp) {
    int type = Character.getType(cp);
    return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE || type == Character.UNASSIGNED && cp >= 0xE0000;
  }
}
