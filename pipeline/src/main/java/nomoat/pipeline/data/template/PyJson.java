package nomoat.pipeline.data.template;

import java.util.List;
import java.util.Map;

/**
 * JSON as Python's json.dumps(x, ensure_ascii=False) writes it (", " and ": " separators), which is what
 * HF's tojson filter produces; jinjava's own tojson is compact, which would change the prompt text.
 */
final class PyJson {
  private PyJson() {}

  static String dumps(Object value) {
    StringBuilder b = new StringBuilder();
    write(b, value);
    return b.toString();
  }

  private static void write(StringBuilder b, Object v) {
    if (v == null) b.append("null");
    else if (v instanceof Boolean bool) b.append(bool ? "true" : "false");
    else if (v instanceof Number n) b.append(n);
    else if (v instanceof Map<?, ?> map) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) b.append(", ");
        first = false;
        string(b, String.valueOf(e.getKey()));
        b.append(": ");
        write(b, e.getValue());
      }
      b.append('}');
    } else if (v instanceof List<?> list) {
      b.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) b.append(", ");
        write(b, list.get(i));
      }
      b.append(']');
    } else string(b, v.toString());
  }

  private static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> {
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    b.append('"');
  }
}
