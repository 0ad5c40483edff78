package nomoat.pipeline.prepare;

import java.util.ArrayList;
import java.util.List;
import nomoat.pipeline.config.PrepareSettings;
import nomoat.pipeline.config.SourceSettings;
import nomoat.pipeline.io.CommittedOutput;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** Where prepare writes: its settings checked once, then the output begun under the output-path rule. */
public final class PrepareOutput {
  private PrepareOutput() {}

  /**
   * Checks that output, tokenizer and sources are set, then begins the output; refuses (touching nothing) an
   * output that nomoat may not replace or that overlaps a source or the tokenizer.
   */
  public static CommittedOutput begin(Configuration conf, PrepareSettings p, boolean force) {
    p.requireOutputAndTokenizer();
    p.requireSources();
    return CommittedOutput.begin(conf, p.output(), force, inputs(p));
  }

  /** Everything prepare reads: every source path or glob, and the tokenizer (its directory, or its files). */
  static List<String> inputs(PrepareSettings p) {
    List<String> inputs = new ArrayList<>();
    for (SourceSettings s : p.sources()) inputs.addAll(s.paths());
    String tok = p.tokenizer();
    inputs.add(tok);
    // prepare.tokenizer may name tokenizer.json itself; tokenizer_config.json beside it is read too
    if (tok.endsWith(".json")) inputs.add(new Path(new Path(tok).getParent(), "tokenizer_config.json").toString());
    return inputs;
  }
}
