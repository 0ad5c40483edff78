package nomoat.pipeline.data;

/**
 * A row as the model sees it, for `inspect`.
 *
 * @param text    the rendered template text (without a BOS the tokenizer added)
 * @param ids     token ids, BOS included
 * @param tokens  vocabulary pieces
 * @param trained per token, whether it is in the loss
 * @param starts  per token, first UTF-16 index in {@code text}; -1 for a BOS the tokenizer added
 * @param ends    per token, one past its last index in {@code text}; -1 likewise
 */
public record Rendered(String text, int[] ids, String[] tokens, boolean[] trained, int[] starts, int[] ends) {
  private static final String GREEN = "\u001b[1;32m";
  private static final String RESET = "\u001b[0m";

  /** The text with trained parts in green (ANSI terminal) or inside [[...]]; invisible characters escaped ({@link VisibleText}). */
  public String marked(boolean ansiColour) {
    String open = ansiColour ? GREEN : "[[";
    String close = ansiColour ? RESET : "]]";
    boolean[] charTrained = new boolean[text.length()];
    StringBuilder out = new StringBuilder(text.length() + 64);
    for (int i = 0; i < ids.length; i++) {
      if (starts[i] < 0) {
        if (i == 0) out.append(trained[i] ? open + VisibleText.escape(tokens[i], false) + close : VisibleText.escape(tokens[i], false)); // tokenizer-added BOS
        continue;
      }
      if (trained[i]) for (int c = starts[i]; c < Math.max(ends[i], starts[i] + 1) && c < text.length(); c++) charTrained[c] = true;
    }
    boolean inside = false;
    for (int c = 0; c < text.length(); c++) {
      if (charTrained[c] != inside) {
        out.append(inside ? close : open);
        inside = charTrained[c];
      }
      VisibleText.append(out, text, c, true);
    }
    if (inside) out.append(close);
    return out.toString();
  }

  public int numTrained() {
    int n = 0;
    for (boolean t : trained) if (t) n++;
    return n;
  }
}
