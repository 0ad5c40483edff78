package nomoat.pipeline.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The JSON settings every source reader shares. */
final class JsonSupport {
  private JsonSupport() {}

  static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build();

  /** For values inside a stream (a JSON array): the tokens after a value are the next elements, not junk. */
  static final com.fasterxml.jackson.databind.ObjectReader IN_STREAM =
      MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  /** IN_STREAM reading one JSON object as a map, or any JSON value (made once: readers are immutable and shareable). */
  static final com.fasterxml.jackson.databind.ObjectReader IN_STREAM_MAP = IN_STREAM.forType(java.util.Map.class);
  static final com.fasterxml.jackson.databind.ObjectReader IN_STREAM_VALUE = IN_STREAM.forType(Object.class);

  static String describe(Object value) {
    if (value == null) return "null";
    if (value instanceof java.util.List) return "a JSON array";
    if (value instanceof String) return "a JSON string";
    if (value instanceof Number) return "a JSON number";
    if (value instanceof Boolean) return "a JSON boolean";
    return value.getClass().getSimpleName();
  }

  /** Jackson's message without its multi-line location suffix, plus line/column. */
  static String message(JsonProcessingException e) {
    String msg = e.getOriginalMessage();
    int nl = msg.indexOf('\n');
    if (nl >= 0) msg = msg.substring(0, nl);
    if (e.getLocation() != null) msg += " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    return msg;
  }
}
