package nomoat.pipeline.tokenize;

/**
 * The Rust tokenizer reports offsets in Unicode code points; Java strings index UTF-16 units. They differ
 * only after a supplementary character (emoji, rare CJK), so the map is built only when one is present.
 */
final class Utf16Offsets {
  private Utf16Offsets() {}

  /** Index i = code point offset, value = UTF-16 offset (length codePoints + 1); null when identical. */
  static int[] codePointToUtf16(String text) {
    boolean supplementary = false;
    for (int i = 0; i < text.length(); i++) {
      if (Character.isHighSurrogate(text.charAt(i))) { supplementary = true; break; }
    }
    if (!supplementary) return null;
    int[] map = new int[text.codePointCount(0, text.length()) + 1];
    int cp = 0;
    for (int i = 0; i < text.length(); ) {
      map[cp++] = i;
      i += Character.charCount(text.codePointAt(i));
    }
    map[cp] = text.length();
    return map;
  }
}
