package nomoat.pipeline.data.template;

import java.util.ArrayList;
import java.util.List;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.data.Message;
import nomoat.pipeline.data.Role;

/**
 * Llama 3 Instruct (meta-llama/Meta-Llama-3-8B-Instruct tokenizer_config.json chat_template): {@code
 * <|begin_of_text|>} then per message {@code <|start_header_id|>{role}<|end_header_id|>\n\n{content|trim}<|eot_id|>}.
 * {@code <|begin_of_text|>} is Llama 3's BOS, so the tokenizer adds none. Trained: content and {@code <|eot_id|>}.
 */
final class Llama3Template implements ChatTemplate {

  @Override
  public List<Segment> render(Conversation conversation, String configuredSystem) {
    Dialogue d = Dialogue.of(conversation, configuredSystem, null);
    List<Segment> out = new ArrayList<>();
    StringBuilder prompt = new StringBuilder("<|begin_of_text|>");
    if (d.hasSystem()) prompt.append(header("system")).append(d.system().strip()).append("<|eot_id|>");
    for (int i = 0; i < d.turns().size(); i++) {
      Message m = d.turns().get(i);
      if (m.role() == Role.USER) {
        prompt.append(header("user")).append(m.content().strip()).append("<|eot_id|>");
      } else {
        prompt.append(header("assistant"));
        out.add(Segment.prompt(prompt.toString()));
        prompt.setLength(0);
        out.add(Segment.assistant(m.content().strip() + "<|eot_id|>", i + d.turnOffset()));
      }
    }
    if (prompt.length() > 0) out.add(Segment.prompt(prompt.toString()));
    return out;
  }

  private static String header(String role) { return "<|start_header_id|>" + role + "<|end_header_id|>\n\n"; }

  @Override
  public boolean writesBos(String rendered) { return true; }
}
