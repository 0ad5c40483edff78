package nomoat.pipeline.data.record;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.data.ExampleSettings;
import nomoat.pipeline.data.Message;
import nomoat.pipeline.data.Role;

/** Alpaca: instruction, optional input (may be empty), output, optional system. */
final class AlpacaRecord implements RecordFormat {
  private final String instruction;
  private final String input;
  private final String output;
  private final String system;

  AlpacaRecord(ExampleSettings s) {
    instruction = s.column("instruction");
    input = s.column("input");
    output = s.column("output");
    system = s.column("system");
  }

  @Override
  public Conversation read(Map<String, Object> fields) {
    String instructionText = Fields.requiredText(fields, instruction, instruction);
    String inputText = Fields.optionalText(fields, input, input);
    String outputText = Fields.requiredText(fields, output, output);
    String systemText = Fields.optionalText(fields, system, system);
    if (inputText == null) inputText = "";
    List<Message> messages = new ArrayList<>(3);
    if (systemText != null && !systemText.isBlank()) messages.add(new Message(Role.SYSTEM, systemText));
    // Chat templates get instruction and input as one user turn, separated by a blank line.
    String user = inputText.isBlank() ? instructionText : instructionText + "\n\n" + inputText;
    messages.add(new Message(Role.USER, user));
    messages.add(new Message(Role.ASSISTANT, outputText));
    return new Conversation(List.copyOf(messages), instructionText, inputText);
  }
}
