package nomoat.pipeline.data;

/**
 * One training example after templating, tokenization and masking.
 *
 * @param exampleId stable id: the same input row always gets the same id (hex of a hash of source + location)
 * @param inputIds  token ids, BOS/EOS included as the template and tokenizer rules say
 * @param labels    same length as inputIds; the token id where the token is trained, {@link #IGNORE} elsewhere
 *                  (labels are NOT shifted: position t's label is inputIds[t]; the trainer shifts)
 * @param truncated whether the example was cut to the maximum length
 */
public record TokenizedExample(String exampleId, String source, int[] inputIds, int[] labels, boolean truncated) implements java.io.Serializable {
  public static final int IGNORE = -100;

  public int numTokens() { return inputIds.length; }

  public int numTrainedTokens() {
    int n = 0;
    for (int l : labels) if (l != IGNORE) n++;
    return n;
  }
}
