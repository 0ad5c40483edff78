package nomoat.pipeline.source;

import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.data.SourceRow;

/** What reading one record of an input file gave: a row to interpret, or a rejection to quarantine. */
public sealed interface ReadResult extends java.io.Serializable {
  record Row(SourceRow row) implements ReadResult {}

  record Bad(Rejection rejection) implements ReadResult {}
}
