package nomoat.pipeline.data;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class VisibleTextTest {
  @Test
  void invisibleAndReorderingCharactersAreEscaped() {
    assertEquals("a\\u202Eb\\u2028c\\u2029d\\u200Fe\\u2066f\\u001B[0m\\rg\\u0000h\\u0085i\\uFEFF", VisibleText.escape(
        "a\u202Eb\u2028c\u2029d\u200Fe\u2066f\u001b[0m\rg\u0000h\u0085i\uFEFF", true));
    assertEquals("one\\ntwo\\tthree", VisibleText.escape("one\ntwo\tthree", false));
    assertEquals("one\ntwo\tthree", VisibleText.escape("one\ntwo\tthree", true));
    assertEquals("naïve 😀 日本 \\", VisibleText.escape("naïve 😀 日本 \\", false), "printable text, emoji and backslashes unchanged");
    assertEquals("tag\\U000E0041", VisibleText.escape("tag\uDB40\uDC41", false), "a supplementary format character is one escape");
  }

  @Test
  void markedRenderingEscapesButKeepsLinesAndMarks() {
    String text = "Q\u202E\nA\u2028!";
    // tokens: "Q\u202E\n" prompt, "A\u2028!" trained
    Rendered r = new Rendered(text, new int[] {1, 5, 6}, new String[] {"<s>", "q", "a"}, new boolean[] {false, false, true},
        new int[] {-1, 0, 3}, new int[] {-1, 3, 6});
    assertEquals("<s>Q\\u202E\n[[A\\u2028!]]", r.marked(false));
  }
}
