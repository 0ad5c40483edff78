package nomoat.pipeline.data.template;

import java.util.List;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.data.Message;
import nomoat.pipeline.data.Role;

/**
 * What a template renders: the system prompt already resolved (row's own system turn, else the configured
 * one, else the template default; null = none) and the turns after it.
 *
 * @param turnOffset index of {@code turns.get(0)} in the original message list (1 when it had a system turn)
 */
public record Dialogue(String system, List<Message> turns, int turnOffset, String alpacaInstruction, String alpacaInput) {

  public static Dialogue of(Conversation c, String configuredSystem, String templateDefault) {
    List<Message> m = c.messages();
    boolean hasSystem = !m.isEmpty() && m.get(0).role() == Role.SYSTEM;
    String system = hasSystem ? m.get(0).content() : configuredSystem != null ? configuredSystem : templateDefault;
    List<Message> turns = hasSystem ? m.subList(1, m.size()) : m;
    return new Dialogue(system, turns, hasSystem ? 1 : 0, c.alpacaInstruction(), c.alpacaInput());
  }

  public boolean hasSystem() { return system != null && !system.isEmpty(); }
}
