package nomoat.pipeline.tokenize;

/**
 * A tokenized text with character offsets.
 *
 * @param ids    token ids
 * @param tokens token strings (vocabulary pieces, e.g. "▁Hello", "Ġworld", "</s>")
 * @param starts per token, the first UTF-16 index in the encoded text the token covers; -1 for tokens the
 *               post-processor added (they have no text)
 * @param ends   per token, one past the last UTF-16 index covered; -1 when {@code starts} is -1
 */
public record Encoded(int[] ids, String[] tokens, int[] starts, int[] ends) {

  public int size() { return ids.length; }

  /** Whether token {@code i} came from the text (false for BOS/EOS added by the post-processor). */
  public boolean hasSpan(int i) { return starts[i] >= 0; }
}
