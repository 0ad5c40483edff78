package nomoat.pipeline.source;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.CharConversionException;
import java.io.IOException;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.RejectReason;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.data.SourceRow;
import org.apache.hadoop.conf.Configuration;

/**
 * A file holding one JSON array of objects, streamed one element at a time. Each element's raw text is the
 * exact bytes of the element. If the JSON breaks mid-way, the elements before are kept and one MALFORMED_JSON
 * rejection, located at the first lost element, stands for the rest (a streaming parser cannot resync).
 */
final class JsonArrayFileReader extends ReadResults {
  /** Cap on the raw text kept for the rejection standing for a broken tail. */
  static final int MAX_BROKEN_RAW_BYTES = 64 * 1024;

  private final String source;
  private final String uri;
  private final RecordingInputStream in;
  private final JsonParser parser;
  private int index;
  private long elementStart; // where the text after the previous element begins
  private boolean finished;

  JsonArrayFileReader(Configuration conf, String source, String uri) {
    this.source = source;
    this.uri = uri;
    try {
      in = new RecordingInputStream(InputStreams.open(conf, uri, 0));
    } catch (IOException e) {
      throw NomoatException.io("cannot open " + uri + ": " + e.getMessage(), e);
    }
    try {
      parser = JsonSupport.MAPPER.createParser(in);
      JsonToken first = parser.nextToken();
      if (first == null) {
        finished = true; // an empty file holds no rows
      } else if (first != JsonToken.START_ARRAY) {
        throw NomoatException.inputData(uri + " is not a JSON array (it starts with '" + parser.getText()
            + "'); use format jsonl for one object per line");
      }
      elementStart = parser.currentLocation().getByteOffset();
    } catch (JsonProcessingException e) {
      release();
      throw NomoatException.inputData(uri + " is not JSON: " + JsonSupport.message(e), e);
    } catch (CharConversionException e) {
      release();
      throw NomoatException.inputData(uri + " is not JSON: invalid UTF-8: " + e.getMessage(), e);
    } catch (IOException e) {
      release();
      throw NomoatException.io("cannot read " + uri + ": " + e.getMessage(), e);
    }
  }

  @Override
  protected ReadResult computeNext() {
    if (finished) return null;
    try {
      JsonToken t = parser.nextToken();
      if (t == JsonToken.END_ARRAY) {
        finished = true;
        return afterArray();
      }
      if (t == null) throw new TruncatedJson();
      long start = parser.currentTokenLocation().getByteOffset();
      in.discardBefore(start);
      elementStart = start;
      String location = uri + "#" + index;
      if (t == JsonToken.START_OBJECT) {
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = JsonSupport.IN_STREAM_MAP.readValue(parser);
        String raw = in.text(start, parser.currentLocation().getByteOffset(), Integer.MAX_VALUE);
        elementStart = parser.currentLocation().getByteOffset();
        index++;
        return new ReadResult.Row(new SourceRow(source, location, fields, raw));
      }
      Object value = JsonSupport.IN_STREAM_VALUE.readValue(parser);
      String raw = in.text(start, parser.currentLocation().getByteOffset(), Integer.MAX_VALUE);
      elementStart = parser.currentLocation().getByteOffset();
      return new ReadResult.Bad(new Rejection(source, location, RejectReason.MALFORMED_JSON,
          "element " + index++ + " is " + JsonSupport.describe(value) + ", not a JSON object", raw));
    } catch (TruncatedJson e) {
      return broken("the file ends before the array is closed");
    } catch (JsonProcessingException e) {
      return broken(JsonSupport.message(e));
    } catch (CharConversionException e) {
      return broken("invalid UTF-8: " + e.getMessage());
    } catch (IOException e) {
      throw NomoatException.io("cannot read " + uri + ": " + e.getMessage(), e);
    }
  }

  /** One rejection for the element where parsing broke and everything after it. */
  private ReadResult broken(String why) {
    finished = true;
    int at = index;
    long readSoFar = in.position();
    String raw = in.text(elementStart, readSoFar, MAX_BROKEN_RAW_BYTES).strip();
    if (raw.startsWith(",")) raw = raw.substring(1).strip();
    return new ReadResult.Bad(new Rejection(source, uri + "#" + at, RejectReason.MALFORMED_JSON,
        "JSON array breaks at element " + at + ": " + why + "; elements from " + at + " on are not read", raw));
  }

  /** Anything but whitespace after the closing bracket is reported, not ignored. */
  private ReadResult afterArray() throws IOException {
    long end = parser.currentLocation().getByteOffset();
    try {
      if (parser.nextToken() == null) return null;
    } catch (JsonProcessingException e) {
      // fall through: garbage that does not even tokenize
    }
    return new ReadResult.Bad(new Rejection(source, uri + "#" + index, RejectReason.MALFORMED_JSON,
        "unexpected content after the closing ] of the array", in.text(end, in.position(), MAX_BROKEN_RAW_BYTES).strip()));
  }

  private static final class TruncatedJson extends IOException {}

  @Override
  protected void release() {
    try {
      if (parser != null) parser.close();
      in.close();
    } catch (IOException e) {
      // Read-only stream: nothing is lost by a failed close.
    }
  }
}
