package nomoat.jobs;

import java.io.Serializable;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.data.TokenizedExample;

/** What became of one input row of input file {@code file}: exactly one of example / rejection is set. Spark-serializable. */
record Outcome(String source, String file, TokenizedExample example, Rejection rejection) implements Serializable {
  static Outcome of(TokenizedExample e, String file) { return new Outcome(e.source(), file, e, null); }
  static Outcome of(Rejection r, String file) { return new Outcome(r.source(), file, null, r); }
  boolean rejected() { return rejection != null; }
}
