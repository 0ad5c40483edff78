package nomoat.pipeline.data;

import java.util.List;

/**
 * A row read as turns. Alpaca rows also keep instruction and input apart, because the alpaca template has a
 * separate "### Input:" section; chat templates see them joined in the user message.
 *
 * @param messages        optional leading SYSTEM, then USER/ASSISTANT turns
 * @param alpacaInstruction the alpaca instruction, or null for other formats
 * @param alpacaInput     the alpaca input ("" when absent), or null for other formats
 */
public record Conversation(List<Message> messages, String alpacaInstruction, String alpacaInput) {

  public static Conversation of(List<Message> messages) { return new Conversation(List.copyOf(messages), null, null); }
}
