package nomoat.pipeline.tokenize;

import nomoat.pipeline.NomoatException;

/**
 * What the native tokenizer can take. A null string panics inside the Rust library (the JVM aborts), and a lone
 * surrogate has no UTF-8 form: DJL replaces it and its character offsets stop matching the Java string. Every text
 * is checked here before it crosses into native code; callers that know the file or row check earlier with
 * {@link #problem} to name it.
 */
public final class TokenizableText {
  private TokenizableText() {}

  /** Why {@code text} cannot be tokenized ("is null", "has an unpaired surrogate U+D83D at index 3"), or null when it can. */
  public static String problem(String text) {
    if (text == null) return "is null";
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!Character.isSurrogate(c)) continue;
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
        continue;
      }
      return String.format("has an unpaired surrogate U+%04X at index %d", (int) c, i);
    }
    return null;
  }

  /** Throws an input-data error when {@code text} cannot be tokenized. */
  static void require(String text) {
    String problem = problem(text);
    if (problem != null) throw NomoatException.inputData("text to tokenize " + problem);
  }
}
