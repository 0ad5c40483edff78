package nomoat.pipeline.data.record;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.data.RejectReason;
import nomoat.pipeline.data.RowRejectedException;

/** Typed access to a row's parsed fields; every failure names the field path, e.g. 'conversations[2].from'. */
final class Fields {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Fields() {}

  /** A non-blank string; numbers and booleans are accepted as their text. */
  static String requiredText(Map<?, ?> map, String key, String path) {
    String s = optionalText(map, key, path);
    if (s == null) throw new RowRejectedException(RejectReason.MISSING_FIELD, "field '" + path + "' is missing");
    if (s.isBlank()) throw new RowRejectedException(RejectReason.EMPTY_FIELD, "field '" + path + "' is empty");
    return s;
  }

  /** A string or null when absent; may be blank. */
  static String optionalText(Map<?, ?> map, String key, String path) {
    Object v = map.get(key);
    if (v == null) return null;
    if (v instanceof Number || v instanceof Boolean) return v.toString();
    if (!(v instanceof String s)) {
      throw new RowRejectedException(RejectReason.MISSING_FIELD, "field '" + path + "' must be a string, got " + kind(v));
    }
    TextChecks.requireDecodable(s, path);
    return s;
  }

  /** A list; a string holding a JSON list is accepted (CSV and Parquet columns often store JSON text). */
  static List<?> requiredList(Map<?, ?> map, String key, String path) {
    Object v = map.get(key);
    if (v == null) throw new RowRejectedException(RejectReason.MISSING_FIELD, "field '" + path + "' is missing");
    if (v instanceof String s) {
      if (s.isBlank()) throw new RowRejectedException(RejectReason.EMPTY_FIELD, "field '" + path + "' is empty");
      try {
        v = JSON.readValue(s, List.class);
      } catch (Exception e) {
        throw new RowRejectedException(RejectReason.MISSING_FIELD, "field '" + path + "' must be a list, got a string that is not a JSON list");
      }
    }
    if (!(v instanceof List<?> list)) {
      throw new RowRejectedException(RejectReason.MISSING_FIELD, "field '" + path + "' must be a list, got " + kind(v));
    }
    if (list.isEmpty()) throw new RowRejectedException(RejectReason.EMPTY_FIELD, "field '" + path + "' is an empty list");
    return list;
  }

  /** The element of a list that must be an object. */
  static Map<?, ?> object(Object element, String path) {
    if (element instanceof Map<?, ?> m) return m;
    throw new RowRejectedException(RejectReason.MISSING_FIELD, "field '" + path + "' must be an object, got " + kind(element));
  }

  private static String kind(Object v) {
    if (v == null) return "null";
    if (v instanceof Map) return "an object";
    if (v instanceof List) return "a list";
    if (v instanceof String) return "a string";
    return v.getClass().getSimpleName();
  }
}
