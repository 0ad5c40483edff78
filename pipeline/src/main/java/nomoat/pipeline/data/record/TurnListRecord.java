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

/**
 * A conversation stored as a list of turns, each naming its speaker: ShareGPT ({from, value}, speaker names as
 * FastChat and its scrapes spell them) and OpenAI messages ({role, content}). Optional row-level system column.
 */
final class TurnListRecord implements RecordFormat {
  private static final Map<String, Role> SHAREGPT_ROLES = Map.of("human", Role.USER, "user", Role.USER, "gpt", Role.ASSISTANT,
      "assistant", Role.ASSISTANT, "chatgpt", Role.ASSISTANT, "bing", Role.ASSISTANT, "bard", Role.ASSISTANT, "system", Role.SYSTEM);
  private static final Map<String, Role> MESSAGES_ROLES = Map.of("system", Role.SYSTEM, "developer", Role.SYSTEM, "user", Role.USER,
      "assistant", Role.ASSISTANT);

  private final String turnsColumn;
  private final String speaker;
  private final String text;
  private final String system;
  private final Map<String, Role> roles;

  private TurnListRecord(String turnsColumn, String speaker, String text, String system, Map<String, Role> roles) {
    this.turnsColumn = turnsColumn;
    this.speaker = speaker;
    this.text = text;
    this.system = system;
    this.roles = roles;
  }

  static TurnListRecord shareGpt(ExampleSettings s) {
    return new TurnListRecord(s.column("conversations"), s.column("from"), s.column("value"), s.column("system"), SHAREGPT_ROLES);
  }

  static TurnListRecord messages(ExampleSettings s) {
    return new TurnListRecord(s.column("messages"), s.column("role"), s.column("content"), s.column("system"), MESSAGES_ROLES);
  }

  @Override
  public Conversation read(Map<String, Object> fields) {
    List<?> turns = Fields.requiredList(fields, turnsColumn, turnsColumn);
    List<Message> messages = new ArrayList<>(turns.size());
    for (int i = 0; i < turns.size(); i++) {
      String at = turnsColumn + "[" + i + "]";
      Map<?, ?> turn = Fields.object(turns.get(i), at);
      String name = Fields.requiredText(turn, speaker, at + "." + speaker);
      Role role = roles.get(name.toLowerCase(Locale.ROOT));
      if (role == null) {
        throw new RowRejectedException(RejectReason.UNKNOWN_ROLE, "field '" + at + "." + speaker + "' has unknown role '" + name + "'");
      }
      String content = role == Role.SYSTEM ? Fields.optionalText(turn, text, at + "." + text) : Fields.requiredText(turn, text, at + "." + text);
      if (role == Role.SYSTEM && (content == null || content.isBlank())) continue; // an empty system turn says nothing
      messages.add(new Message(role, content));
    }
    return Conversation.of(SystemColumn.prepend(fields, system, messages));
  }
}
