package nomoat.pipeline.data.template;

import java.util.ArrayList;
import java.util.List;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.data.Message;
import nomoat.pipeline.data.Role;

/**
 * Llama 2 chat, as Meta's reference chat_completion builds it (meta-llama/llama llama/generation.py: each
 * exchange is {@code <s>[INST] {user} [/INST] {assistant} </s>}, B_SYS "<<SYS>>\n", E_SYS "\n<</SYS>>\n\n"
 * folded into the first user turn): {@code <s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {assistant} </s><s>[INST] ...}.
 * No default system prompt (HF's use_default_system_prompt is false). Trained: " {assistant} </s>", leading
 * space included: generation starts after "[/INST]", so the model produces that space (HF's template agrees).
 */
final class Llama2Template implements ChatTemplate {
  private final String bos;
  private final String eos;

  Llama2Template(String bos, String eos) {
    this.bos = ChatTemplate.orEmpty(bos);
    this.eos = eos == null ? "</s>" : eos;
  }

  @Override
  public List<Segment> render(Conversation conversation, String configuredSystem) {
    Dialogue d = Dialogue.of(conversation, configuredSystem, null);
    List<Segment> out = new ArrayList<>();
    StringBuilder prompt = new StringBuilder();
    for (int i = 0; i < d.turns().size(); i++) {
      Message m = d.turns().get(i);
      if (m.role() == Role.USER) {
        prompt.append(bos).append("[INST] ");
        if (i == 0 && d.hasSystem()) prompt.append("<<SYS>>\n").append(d.system()).append("\n<</SYS>>\n\n");
        prompt.append(m.content()).append(" [/INST]");
      } else {
        out.add(Segment.prompt(prompt.toString()));
        prompt.setLength(0);
        out.add(Segment.assistant(" " + m.content() + " " + eos, i + d.turnOffset()));
      }
    }
    if (prompt.length() > 0) out.add(Segment.prompt(prompt.toString()));
    return out;
  }

  @Override
  public boolean writesBos(String rendered) { return !bos.isEmpty(); }
}
