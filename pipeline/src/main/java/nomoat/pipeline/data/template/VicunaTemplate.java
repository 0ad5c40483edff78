package nomoat.pipeline.data.template;

import java.util.ArrayList;
import java.util.List;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.data.Message;
import nomoat.pipeline.data.Role;

/**
 * FastChat "vicuna_v1.1" (lm-sys/FastChat fastchat/conversation.py, SeparatorStyle.ADD_COLON_TWO, sep " ",
 * sep2 "</s>"): {@code SYSTEM + " " + "USER: x ASSISTANT: y</s>USER: ..."}. sep2 is the tokenizer's EOS
 * (FastChat's literal "</s>" is Llama's EOS). Without a system prompt the text starts at "USER:".
 */
final class VicunaTemplate implements ChatTemplate {
  static final String DEFAULT_SYSTEM = "A chat between a curious user and an artificial intelligence assistant. "
      + "The assistant gives helpful, detailed, and polite answers to the user's questions.";

  private final String eos;

  VicunaTemplate(String eos) { this.eos = eos == null ? "</s>" : eos; }

  @Override
  public List<Segment> render(Conversation conversation, String configuredSystem) {
    Dialogue d = Dialogue.of(conversation, configuredSystem, DEFAULT_SYSTEM);
    List<Segment> out = new ArrayList<>();
    StringBuilder prompt = new StringBuilder();
    if (d.hasSystem()) prompt.append(d.system()).append(' ');
    for (int i = 0; i < d.turns().size(); i++) {
      Message m = d.turns().get(i);
      if (m.role() == Role.USER) {
        prompt.append("USER: ").append(m.content()).append(' ').append("ASSISTANT:");
      } else {
        out.add(Segment.prompt(prompt.toString()));
        prompt.setLength(0);
        // FastChat's generation prompt ends at "ASSISTANT:", so the space before the answer is model output.
        out.add(Segment.assistant(" " + m.content() + eos, i + d.turnOffset()));
      }
    }
    if (prompt.length() > 0) out.add(Segment.prompt(prompt.toString()));
    return out;
  }

  @Override
  public boolean writesBos(String rendered) { return false; }
}
