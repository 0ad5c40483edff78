package nomoat.jobs;

import java.io.Serializable;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.data.TokenizedExample;

/** What became of one input row: exactly one of example / rejection is set. Spark-serializable. */
record Outcome(String source, TokenizedExample example, Rejection rejection) implements Serializable {
  static Outcome of(TokenizedExample e) { return new Outcome(e.source(), e, null); }
  static Outcome of(Rejection r) { return new Outcome(r.source(), null, r); }
  boolean rejected() { return rejection != null; }
}
