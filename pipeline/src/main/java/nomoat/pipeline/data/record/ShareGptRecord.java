package nomoat.pipeline.data.record;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.data.ExampleSettings;
import nomoat.pipeline.data.Message;
import nomoat.pipeline.data.RejectReason;
import nomoat.pipeline.data.Role;
import nomoat.pipeline.data.RowRejectedException;

/** ShareGPT: a list of {from, value}; speaker names as FastChat and its scrapes spell them; optional row-level system. */
final class ShareGptRecord implements RecordFormat {
  private final String conversations;
  private final String from;
  private final String value;
  private final String system;

  ShareGptRecord(ExampleSettings s) {
    conversations = s.column("conversations");
    from = s.column("from");
    value = s.column("value");
    system = s.column("system");
  }

  @Override
  public Conversation read(Map<String, Object> fields) {
    List<?> turns = Fields.requiredList(fields, conversations, conversations);
    List<Message> messages = new ArrayList<>(turns.size());
    for (int i = 0; i < turns.size(); i++) {
      String at = conversations + "[" + i + "]";
      Map<?, ?> turn = Fields.object(turns.get(i), at);
      String speaker = Fields.requiredText(turn, from, at + "." + from);
      Role role = role(speaker, at + "." + from);
      String text = role == Role.SYSTEM ? Fields.optionalText(turn, value, at + "." + value) : Fields.requiredText(turn, value, at + "." + value);
      if (role == Role.SYSTEM && (text == null || text.isBlank())) continue; // an empty system turn says nothing
      messages.add(new Message(role, text));
    }
    return Conversation.of(SystemColumn.prepend(fields, system, messages));
  }

  static Role role(String speaker, String path) {
    return switch (speaker.toLowerCase(Locale.ROOT)) {
      case "human", "user" -> Role.USER;
      case "gpt", "assistant", "chatgpt", "bing", "bard" -> Role.ASSISTANT;
      case "system" -> Role.SYSTEM;
      default -> throw new RowRejectedException(RejectReason.UNKNOWN_ROLE, "field '" + path + "' has unknown role '" + speaker + "'");
    };
  }
}
