package nomoat.pipeline.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.SourceRow;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/** A Parquet file of any schema, row by row; raw is a JSON rendering of the row, location {@code file#rowIndex}. */
final class ParquetRowsReader extends ReadResults {
  private final String source;
  private final String uri;
  private final ParquetReader<Group> reader;
  private long index;

  ParquetRowsReader(Configuration conf, String source, String uri) {
    this.source = source;
    this.uri = uri;
    try {
      reader = ParquetReader.builder(new GroupReadSupport(), new Path(uri)).withConf(conf).build();
    } catch (IOException | RuntimeException e) {
      throw NomoatException.inputData("cannot open " + uri + " as Parquet: " + e.getMessage(), e);
    }
  }

  @Override
  protected ReadResult computeNext() {
    Group g;
    try {
      g = reader.read();
    } catch (IOException | RuntimeException e) {
      // A corrupt page cannot be skipped row by row: the file is bad from here on.
      throw NomoatException.inputData("cannot read " + uri + " at row " + index + " as Parquet: " + e.getMessage(), e);
    }
    if (g == null) return null;
    Map<String, Object> fields = ParquetValues.record(g);
    String raw;
    try {
      raw = JsonSupport.MAPPER.writeValueAsString(fields);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("plain values always render as JSON", e);
    }
    return new ReadResult.Row(new SourceRow(source, uri + "#" + index++, fields, raw));
  }

  @Override
  protected void release() {
    try {
      reader.close();
    } catch (IOException e) {
      // Read-only: nothing is lost by a failed close.
    }
  }
}
