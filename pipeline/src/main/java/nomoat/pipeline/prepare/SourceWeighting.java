package nomoat.pipeline.prepare;

import java.util.ArrayList;
import java.util.List;
import nomoat.pipeline.data.TokenizedExample;

/**
 * Per-source weights: weight 2.5 keeps every example twice plus a deterministic half of them a third time;
 * weight 0.3 keeps a deterministic 30%. Copies after the first get ids "{id}#2", "{id}#3", ... so that every row in
 * the output has a distinct id and the split/shuffle treat copies independently.
 */
public final class SourceWeighting {
  private SourceWeighting() {}

  /** The id of the example a copy was made from ("abc#3" -> "abc"). */
  public static String baseId(String exampleId) {
    int hash = exampleId.indexOf('#');
    return hash < 0 ? exampleId : exampleId.substring(0, hash);
  }

  /** Whether the example is a weighted copy ("abc#3") rather than an original. */
  public static boolean isCopy(String exampleId) {
    return baseId(exampleId).length() != exampleId.length();
  }

  public static int copies(double weight, long seed, String exampleId) {
    int whole = (int) Math.floor(weight);
    double fraction = weight - whole;
    boolean extra = fraction > 0 && ExampleKeys.unit(ExampleKeys.key(seed, "weight", exampleId)) < fraction;
    return whole + (extra ? 1 : 0);
  }

  public static List<TokenizedExample> apply(TokenizedExample e, double weight, long seed) {
    int n = weight == 1.0 ? 1 : copies(weight, seed, e.exampleId());
    List<TokenizedExample> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(i == 0 ? e : new TokenizedExample(e.exampleId() + "#" + (i + 1), e.source(), e.inputIds(), e.labels(), e.truncated()));
    }
    return out;
  }
}
