package nomoat.pipeline.data;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.testing.Fixtures;

/** The fixture datasets (JSON arrays) as SourceRows, read directly here rather than through the source package. */
final class FixtureRows {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FixtureRows() {}

  static List<SourceRow> jsonArray(String file) {
    try {
      List<Map<String, Object>> rows = JSON.readValue(Fixtures.dataset(file).toFile(), new TypeReference<>() {});
      List<SourceRow> out = new ArrayList<>(rows.size());
      for (int i = 0; i < rows.size(); i++) out.add(new SourceRow(file, file + "#" + i, rows.get(i), JSON.writeValueAsString(rows.get(i))));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
