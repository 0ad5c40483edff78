package nomoat.pipeline.data;

import java.util.List;
import nomoat.pipeline.data.record.RecordFormatName;
import nomoat.pipeline.data.template.TemplateName;

/** Hand-written conversations used across the template and mask tests. */
final class Conversations {
  private Conversations() {}

  static final List<Message> SINGLE = List.of(new Message(Role.USER, "Hi there"), new Message(Role.ASSISTANT, "Hello!"));

  static final List<Message> SINGLE_WITH_SYSTEM =
      List.of(new Message(Role.SYSTEM, "Be brief."), new Message(Role.USER, "Hi there"), new Message(Role.ASSISTANT, "Hello!"));

  static final List<Message> MULTI = List.of(new Message(Role.SYSTEM, "Be brief."), new Message(Role.USER, "Hi there"),
      new Message(Role.ASSISTANT, "Hello!"), new Message(Role.USER, "2+2?"), new Message(Role.ASSISTANT, "4"));

  static final List<Message> MULTI_NO_SYSTEM = MULTI.subList(1, MULTI.size());

  static ExampleSettings messages(String template) {
    return new ExampleSettings(RecordFormatName.MESSAGES, java.util.Map.of(), TemplateName.parse(template), null, false, true, 4096, true);
  }
}
