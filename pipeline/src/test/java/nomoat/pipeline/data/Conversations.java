package nomoat.pipeline.data;

import java.util.List;

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
    return new ExampleSettings("messages", java.util.Map.of(), template, null, false, true, 4096, true);
  }
}
