package nomoat.pipeline.data.record;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.data.Message;
import nomoat.pipeline.data.Role;

/** Some chat datasets keep the system prompt in a row-level column rather than as the first turn. */
final class SystemColumn {
  private SystemColumn() {}

  static List<Message> prepend(Map<String, Object> fields, String column, List<Message> messages) {
    String system = Fields.optionalText(fields, column, column);
    if (system == null || system.isBlank()) return messages;
    if (!messages.isEmpty() && messages.get(0).role() == Role.SYSTEM) return messages; // the turn wins
    List<Message> out = new ArrayList<>(messages.size() + 1);
    out.add(new Message(Role.SYSTEM, system));
    out.addAll(messages);
    return out;
  }
}
