package nomoat.pipeline.prepare;

import java.io.Serializable;
import java.util.Iterator;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.data.TokenizedExample;
import nomoat.pipeline.shard.DatasetStats;

/** What became of one input row: exactly one of example / rejection is set. Spark-serializable. */
public record Outcome(String source, TokenizedExample example, Rejection rejection) implements Serializable {
  public static Outcome of(TokenizedExample e) { return new Outcome(e.source(), e, null); }

  public static Outcome of(Rejection r) { return new Outcome(r.source(), null, r); }

  public boolean rejected() { return rejection != null; }

  /** Rows read and rows rejected (by source and reason) over {@code outcomes}. */
  public static DatasetStats count(Iterator<Outcome> outcomes) {
    DatasetStats s = new DatasetStats();
    while (outcomes.hasNext()) {
      Outcome o = outcomes.next();
      s.recordRowRead(o.source());
      if (o.rejected()) s.recordRejection(o.rejection());
    }
    return s;
  }
}
