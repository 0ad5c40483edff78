package nomoat.pipeline.data.template;

/**
 * A piece of rendered template text.
 *
 * @param text the exact characters
 * @param kind PROMPT (trained only with trainOnPrompt), ASSISTANT (an assistant turn with its end-of-turn
 *             marker), TEXT (raw text: always trained)
 * @param turn for ASSISTANT, the index of its message in the conversation; else -1
 */
public record Segment(String text, Kind kind, int turn) {
  public enum Kind { PROMPT, ASSISTANT, TEXT }

  public static Segment prompt(String text) { return new Segment(text, Kind.PROMPT, -1); }
  public static Segment assistant(String text, int turn) { return new Segment(text, Kind.ASSISTANT, turn); }
  public static Segment text(String text) { return new Segment(text, Kind.TEXT, -1); }
}
