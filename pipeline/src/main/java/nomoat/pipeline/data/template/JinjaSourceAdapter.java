package nomoat.pipeline.data.template;

import java.util.regex.Pattern;

/**
 * Rewrites the few jinja2 spellings jinjava parses differently, keeping the meaning:
 * {@code x[::-1]} (slice with step, unsupported) becomes {@code x|reverse}; in {@code namespace(a=expr, ...)}
 * each value is parenthesised, because jinjava binds {@code a=messages|length - 1} as {@code (a=messages|length) - 1}.
 */
final class JinjaSourceAdapter {
  private static final Pattern REVERSE_SLICE = Pattern.compile("\\[\\s*:\\s*:\\s*-\\s*1\\s*\\]");

  private JinjaSourceAdapter() {}

  static String adapt(String source) {
    return parenthesiseNamespaceArguments(REVERSE_SLICE.matcher(source).replaceAll("|reverse"));
  }

  private static String parenthesiseNamespaceArguments(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    int from = 0;
    for (int at; (at = s.indexOf("namespace(", from)) >= 0; ) {
      int open = at + "namespace(".length();
      int close = matchingParen(s, open - 1);
      if (close < 0) break;
      out.append(s, from, open);
      String[] args = splitTopLevel(s.substring(open, close));
      for (int i = 0; i < args.length; i++) {
        if (i > 0) out.append(", ");
        String arg = args[i].strip();
        int eq = topLevelAssign(arg);
        out.append(eq < 0 ? arg : arg.substring(0, eq).strip() + "=(" + arg.substring(eq + 1).strip() + ")");
      }
      out.append(')');
      from = close + 1;
    }
    return out.append(s.substring(from)).toString();
  }

  private static int matchingParen(String s, int open) {
    int depth = 0;
    char quote = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) { if (c == quote && s.charAt(i - 1) != '\\') quote = 0; continue; }
      if (c == '\'' || c == '"') quote = c;
      else if (c == '(' || c == '[' || c == '{') depth++;
      else if (c == ')' || c == ']' || c == '}') { if (--depth == 0) return i; }
    }
    return -1;
  }

  private static String[] splitTopLevel(String args) {
    java.util.List<String> parts = new java.util.ArrayList<>();
    int depth = 0, start = 0;
    char quote = 0;
    for (int i = 0; i < args.length(); i++) {
      char c = args.charAt(i);
      if (quote != 0) { if (c == quote && args.charAt(i - 1) != '\\') quote = 0; continue; }
      if (c == '\'' || c == '"') quote = c;
      else if (c == '(' || c == '[' || c == '{') depth++;
      else if (c == ')' || c == ']' || c == '}') depth--;
      else if (c == ',' && depth == 0) { parts.add(args.substring(start, i)); start = i + 1; }
    }
    if (!args.substring(start).isBlank()) parts.add(args.substring(start));
    return parts.toArray(new String[0]);
  }

  /** Index of a keyword argument's "=" (not "==", "<=", ...) before any bracket or quote, or -1. */
  private static int topLevelAssign(String arg) {
    for (int i = 0; i < arg.length(); i++) {
      char c = arg.charAt(i);
      if (c == '=' ) {
        boolean compare = (i + 1 < arg.length() && arg.charAt(i + 1) == '=') || (i > 0 && "=!<>".indexOf(arg.charAt(i - 1)) >= 0);
        return compare ? -1 : i;
      }
      if (!(Character.isLetterOrDigit(c) || c == '_' || Character.isWhitespace(c))) return -1;
    }
    return -1;
  }
}
