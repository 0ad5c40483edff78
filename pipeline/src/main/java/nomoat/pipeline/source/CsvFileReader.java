package nomoat.pipeline.source;

import java.io.ByteArrayOutputStream;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.RejectReason;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.data.SourceRow;
import org.apache.hadoop.conf.Configuration;

/**
 * CSV with a header row; each record becomes a map header → string. A record whose quoted field spans lines
 * is read whole (continuing past the range end if it must). Blank lines are skipped.
 */
final class CsvFileReader extends ReadResults {
  private final String source;
  private final String uri;
  private final LineRange lines;
  private final StrictUtf8 utf8 = new StrictUtf8();
  private final ByteArrayOutputStream record = new ByteArrayOutputStream();
  private List<String> header;
  private boolean headerRead;

  private final int maxRecordBytes;
  private boolean overlong;

  CsvFileReader(Configuration conf, String source, String uri, long start, long end, int maxRecordBytes) {
    this.source = source;
    this.uri = uri;
    this.maxRecordBytes = maxRecordBytes;
    if (start != 0) {
      try (LineRange first = new LineRange(conf, uri, 0, Long.MAX_VALUE, maxRecordBytes)) { // stops at the first non-blank record
        header = readHeader(first);
      }
      headerRead = true;
    }
    this.lines = new LineRange(conf, uri, start, end, maxRecordBytes);
  }

  @Override
  protected ReadResult computeNext() {
    if (!headerRead) {
      header = readHeader(lines);
      headerRead = true;
    }
    if (header == null) return null;
    while (nextRecord(lines)) {
      byte[] bytes = record.toByteArray();
      if (overlong) {
        return bad(RejectReason.MALFORMED_CSV, "row is more than the " + maxRecordBytes + "-byte limit for one record",
            StrictUtf8.lossy(bytes, 0, Math.min(bytes.length, SourceReader.MAX_RAW_BYTES)));
      }
      if (JsonlFileReader.isBlank(bytes, 0, bytes.length)) continue;
      String text = utf8.decode(bytes, 0, bytes.length);
      if (text == null) {
        int bad = StrictUtf8.firstInvalidByte(bytes, 0, bytes.length);
        return bad(RejectReason.UNDECODABLE_TEXT, "row is not valid UTF-8 (bad byte at offset " + bad + " of the row)",
            StrictUtf8.lossy(bytes, 0, bytes.length));
      }
      List<String> values;
      try {
        values = CsvRecordParser.parse(text);
      } catch (CsvRecordParser.MalformedCsv e) {
        return bad(RejectReason.MALFORMED_CSV, "row is not valid CSV: " + e.getMessage(), text);
      }
      if (values.size() != header.size()) {
        return bad(RejectReason.MALFORMED_CSV, "row has " + values.size() + " fields, the header has " + header.size(), text);
      }
      Map<String, Object> fields = new LinkedHashMap<>();
      for (int i = 0; i < values.size(); i++) fields.put(header.get(i), values.get(i));
      return new ReadResult.Row(new SourceRow(source, lines.location(), fields, text));
    }
    return null;
  }

  /** Collects the next record's bytes (one line, or several while a quoted field is open) into {@link #record}. */
  private boolean nextRecord(LineRange range) {
    if (!range.nextOwnedLine()) return false;
    record.reset();
    LineScanner s = range.scanner();
    int bom = range.bomLength();
    record.write(s.lineBytes(), bom, s.lineLength() - bom);
    overlong = s.overlong();
    int state = CsvRecordParser.scan(s.lineBytes(), s.lineLength(), CsvRecordParser.FIELD_START);
    while (state == CsvRecordParser.IN_QUOTES && range.nextContinuationLine()) {
      overlong |= s.overlong() || record.size() + 1 + s.lineLength() > maxRecordBytes;
      if (!overlong) { // past the limit the record is rejected anyway: stop keeping its bytes
        record.write('\n');
        record.write(s.lineBytes(), 0, s.lineLength());
      }
      state = CsvRecordParser.scan(s.lineBytes(), s.lineLength(), CsvRecordParser.IN_QUOTES);
    }
    return true;
  }

  /** The header: the file's first non-blank record; null for an empty file. */
  private List<String> readHeader(LineRange range) {
    while (nextRecord(range)) {
      byte[] bytes = record.toByteArray();
      if (overlong) throw NomoatException.inputData("the header row of " + uri + " is more than " + maxRecordBytes + " bytes");
      if (JsonlFileReader.isBlank(bytes, 0, bytes.length)) continue;
      String text = utf8.decode(bytes, 0, bytes.length);
      if (text == null) throw NomoatException.inputData("the header row of " + uri + " is not valid UTF-8");
      List<String> names;
      try {
        names = CsvRecordParser.parse(text);
      } catch (CsvRecordParser.MalformedCsv e) {
        throw NomoatException.inputData("the header row of " + uri + " is not valid CSV: " + e.getMessage());
      }
      Set<String> seen = new HashSet<>();
      for (String name : names) {
        if (name.isBlank()) throw NomoatException.inputData("the header row of " + uri + " has an empty column name");
        if (!seen.add(name)) throw NomoatException.inputData("the header row of " + uri + " names column '" + name + "' twice");
      }
      return names;
    }
    return null;
  }

  private ReadResult bad(RejectReason reason, String detail, String raw) {
    return new ReadResult.Bad(new Rejection(source, lines.location(), reason, detail, raw));
  }

  @Override
  protected void release() { lines.close(); }
}
