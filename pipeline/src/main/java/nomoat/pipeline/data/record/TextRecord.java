package nomoat.pipeline.data.record;

import java.util.List;
import java.util.Map;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.data.ExampleSettings;
import nomoat.pipeline.data.Message;
import nomoat.pipeline.data.Role;

/** Raw text for continued pre-training: one assistant-less "turn" whose every token is trained. */
final class TextRecord implements RecordFormat {
  private final String text;

  TextRecord(ExampleSettings s) { text = s.column("text"); }

  @Override
  public Conversation read(Map<String, Object> fields) {
    // Carried as an ASSISTANT message so chat-only templates would train it too; the raw template trains all.
    return Conversation.of(List.of(new Message(Role.ASSISTANT, Fields.requiredText(fields, text, text))));
  }
}
