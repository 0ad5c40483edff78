package nomoat.pipeline.prepare;

import java.io.Serializable;
import nomoat.pipeline.source.ReadResult;

/**
 * A row as read, with the index of its source and the id it gets (stable across stores and prefixes, see
 * {@link ReadTask#exampleId}; null for a row that could not be read, which needs none).
 */
public record ReadRow(int source, String file, String exampleId, ReadResult result) implements Serializable {

  /** {@code result} as read from {@code task}'s file, with its example id. */
  public static ReadRow of(ReadTask task, ReadResult result) {
    return new ReadRow(task.source(), task.uri(), result instanceof ReadResult.Row row ? task.exampleId(row.row().location()) : null, result);
  }
}
