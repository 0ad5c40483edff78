package nomoat.pipeline.config;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.data.record.RecordFormatName;
import nomoat.pipeline.source.SourceFormat;

/**
 * One input dataset of the prepare stage.
 *
 * @param fileFormat   how the files are laid out (auto: by extension)
 * @param recordFormat how the columns hold a conversation
 * @param columns      logical field name -> column name in the data
 * @param weight       sampling weight: integer part = copies, fraction = deterministic sample of one more copy
 * @param limit        at most this many examples from this source; -1 = no limit
 */
public record SourceSettings(String name, List<String> paths, SourceFormat fileFormat, RecordFormatName recordFormat,
                             Map<String, String> columns, double weight, long limit) implements Serializable {
  public SourceSettings {
    paths = List.copyOf(paths);
    columns = Map.copyOf(columns);
  }
}
