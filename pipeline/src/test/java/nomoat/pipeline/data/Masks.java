package nomoat.pipeline.data;

import java.util.ArrayList;
import java.util.List;
import nomoat.pipeline.tokenize.HfTokenizer;

/** Test views of a mask: the trained text runs and the trained vocabulary pieces. */
final class Masks {
  private Masks() {}

  /** Each run of consecutive trained tokens as the text it covers, joined by "|". */
  static String trainedText(Rendered r) {
    List<String> runs = new ArrayList<>();
    int runStart = -1, runEnd = -1;
    for (int i = 0; i < r.ids().length; i++) {
      if (r.trained()[i] && r.starts()[i] >= 0) {
        if (runStart < 0) runStart = r.starts()[i];
        runEnd = r.ends()[i];
      } else if (runStart >= 0) {
        runs.add(r.text().substring(runStart, runEnd));
        runStart = -1;
      }
    }
    if (runStart >= 0) runs.add(r.text().substring(runStart, runEnd));
    return String.join("|", runs);
  }

  /** The trained tokens' vocabulary pieces. */
  static List<String> trainedPieces(Rendered r) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < r.ids().length; i++) if (r.trained()[i]) out.add(r.tokens()[i]);
    return out;
  }

  /** The trained ids decoded without skipping special tokens. */
  static String trainedDecoded(Rendered r, HfTokenizer tok) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < r.ids().length; i++) if (r.trained()[i]) ids.add(r.ids()[i]);
    return tok.decode(ids.stream().mapToInt(Integer::intValue).toArray(), false);
  }
}
