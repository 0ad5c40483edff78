package nomoat.pipeline.prepare;

import java.io.Serializable;
import java.util.Iterator;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.data.TokenizedExample;
import nomoat.pipeline.shard.DatasetStats;

/** What became of one input row of input file {@code file}: exactly one of example / rejection is set. Spark-serializable. */
public record Outcome(String source, String file, TokenizedExample example, Rejection rejection) implements Serializable {
  public static Outcome of(TokenizedExample e, String file) { return new Outcome(e.source(), file, e, null); }

  public static Outcome of(Rejection r, String file) { return new Outcome(r.source(), file, null, r); }

  public boolean rejected() { return rejection != null; }

  /** Rows read and rows rejected (by source and reason) over {@code outcomes}. */
  public static DatasetStats count(Iterator<Outcome> outcomes) {
    DatasetStats s = new DatasetStats();
    while (outcomes.hasNext()) {
      Outcome o = outcomes.next();
      s.recordRowRead(o.source(), o.file());
      if (o.rejected()) s.recordRejection(o.rejection());
    }
    return s;
  }
}
