package nomoat.pipeline.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.util.Map;
import nomoat.pipeline.data.RejectReason;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.data.SourceRow;
import org.apache.hadoop.conf.Configuration;

/** JSON Lines: one object per line; blank lines are skipped. */
final class JsonlFileReader extends ReadResults {
  private final String source;
  private final LineRange lines;
  private final StrictUtf8 utf8 = new StrictUtf8();

  private final int maxRecordBytes;

  JsonlFileReader(Configuration conf, String source, String uri, long start, long end, int maxRecordBytes) {
    this.source = source;
    this.maxRecordBytes = maxRecordBytes;
    this.lines = new LineRange(conf, uri, start, end, maxRecordBytes);
  }

  @Override
  protected ReadResult computeNext() {
    while (lines.nextOwnedLine()) {
      LineScanner s = lines.scanner();
      int off = lines.bomLength();
      int len = s.lineLength() - off;
      if (s.overlong()) {
        return bad(RejectReason.MALFORMED_JSON, "line is " + s.fullLength() + " bytes, more than the " + maxRecordBytes
            + "-byte limit for one record", StrictUtf8.lossy(s.lineBytes(), off, Math.min(len, SourceReader.MAX_RAW_BYTES)));
      }
      if (isBlank(s.lineBytes(), off, len)) continue;
      String text = utf8.decode(s.lineBytes(), off, len);
      if (text == null) {
        int bad = StrictUtf8.firstInvalidByte(s.lineBytes(), off, len);
        return bad(RejectReason.UNDECODABLE_TEXT, "line is not valid UTF-8 (bad byte at offset " + bad + " of the line)",
            StrictUtf8.lossy(s.lineBytes(), off, len));
      }
      Object value;
      try {
        value = JsonSupport.MAPPER.readValue(text, Object.class);
      } catch (JsonProcessingException e) {
        return bad(RejectReason.MALFORMED_JSON, "line is not valid JSON: " + JsonSupport.message(e), text);
      } catch (IOException e) {
        return bad(RejectReason.MALFORMED_JSON, "line is not valid JSON: " + e.getMessage(), text);
      }
      if (!(value instanceof Map)) {
        return bad(RejectReason.MALFORMED_JSON, "line is " + JsonSupport.describe(value) + ", not a JSON object", text);
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> fields = (Map<String, Object>) value;
      return new ReadResult.Row(new SourceRow(source, lines.location(), fields, text));
    }
    return null;
  }

  private ReadResult bad(RejectReason reason, String detail, String raw) {
    return new ReadResult.Bad(new Rejection(source, lines.location(), reason, detail, raw));
  }

  static boolean isBlank(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') return false;
    }
    return true;
  }

  @Override
  protected void release() { lines.close(); }
}
