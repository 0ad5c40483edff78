package nomoat.pipeline.data.record;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.data.ExampleSettings;
import nomoat.pipeline.data.Message;
import nomoat.pipeline.data.RejectReason;
import nomoat.pipeline.data.Role;
import nomoat.pipeline.data.RowRejectedException;

/** OpenAI-style chat: a list of {role, content}, roles system (or developer)/user/assistant; optional row-level system. */
final class MessagesRecord implements RecordFormat {
  private final String messagesColumn;
  private final String role;
  private final String content;
  private final String system;

  MessagesRecord(ExampleSettings s) {
    messagesColumn = s.column("messages");
    role = s.column("role");
    content = s.column("content");
    system = s.column("system");
  }

  @Override
  public Conversation read(Map<String, Object> fields) {
    List<?> turns = Fields.requiredList(fields, messagesColumn, messagesColumn);
    List<Message> messages = new ArrayList<>(turns.size());
    for (int i = 0; i < turns.size(); i++) {
      String at = messagesColumn + "[" + i + "]";
      Map<?, ?> turn = Fields.object(turns.get(i), at);
      String name = Fields.requiredText(turn, role, at + "." + role);
      Role r = switch (name.toLowerCase(java.util.Locale.ROOT)) {
        case "system", "developer" -> Role.SYSTEM;
        case "user" -> Role.USER;
        case "assistant" -> Role.ASSISTANT;
        default -> throw new RowRejectedException(RejectReason.UNKNOWN_ROLE, "field '" + at + "." + role + "' has unknown role '" + name + "'");
      };
      String text = r == Role.SYSTEM ? Fields.optionalText(turn, content, at + "." + content) : Fields.requiredText(turn, content, at + "." + content);
      if (r == Role.SYSTEM && (text == null || text.isBlank())) continue;
      messages.add(new Message(r, text));
    }
    return Conversation.of(SystemColumn.prepend(fields, system, messages));
  }
}
