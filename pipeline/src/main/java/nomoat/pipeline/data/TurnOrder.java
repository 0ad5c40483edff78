package nomoat.pipeline.data;

import java.util.List;

/** After an optional leading system turn, user and assistant alternate, starting with user; ≥1 assistant. */
public final class TurnOrder {
  private TurnOrder() {}

  public static void check(List<Message> messages, String listName) {
    int start = !messages.isEmpty() && messages.get(0).role() == Role.SYSTEM ? 1 : 0;
    boolean sawAssistant = false;
    for (int i = start; i < messages.size(); i++) {
      Role expected = (i - start) % 2 == 0 ? Role.USER : Role.ASSISTANT;
      Role actual = messages.get(i).role();
      if (actual != expected) {
        String why = actual == Role.SYSTEM ? "a system turn is only allowed first"
            : i == start ? "the conversation must start with a user turn (after an optional system turn)"
            : "user and assistant turns must alternate";
        throw new RowRejectedException(RejectReason.WRONG_TURN_ORDER,
            "turn " + i + " of '" + listName + "' is " + actual.name().toLowerCase() + ": " + why);
      }
      sawAssistant |= actual == Role.ASSISTANT;
    }
    if (!sawAssistant) throw new RowRejectedException(RejectReason.WRONG_TURN_ORDER, "'" + listName + "' has no assistant turn");
  }
}
