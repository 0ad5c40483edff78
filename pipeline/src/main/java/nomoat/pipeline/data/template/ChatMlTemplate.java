package nomoat.pipeline.data.template;

import java.util.ArrayList;
import java.util.List;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.data.Message;
import nomoat.pipeline.data.Role;

/**
 * ChatML (openai/openai-python chatml.md; the Qwen and OpenHermes chat_template without extras):
 * {@code <|im_start|>{role}\n{content}<|im_end|>\n}. No default system prompt. Trained: content and
 * {@code <|im_end|>}; the newline after it is prompt.
 */
final class ChatMlTemplate implements ChatTemplate {

  @Override
  public List<Segment> render(Conversation conversation, String configuredSystem) {
    Dialogue d = Dialogue.of(conversation, configuredSystem, null);
    List<Segment> out = new ArrayList<>();
    StringBuilder prompt = new StringBuilder();
    if (d.hasSystem()) prompt.append("<|im_start|>system\n").append(d.system()).append("<|im_end|>\n");
    for (int i = 0; i < d.turns().size(); i++) {
      Message m = d.turns().get(i);
      if (m.role() == Role.USER) {
        prompt.append("<|im_start|>user\n").append(m.content()).append("<|im_end|>\n");
      } else {
        prompt.append("<|im_start|>assistant\n");
        out.add(Segment.prompt(prompt.toString()));
        prompt.setLength(0);
        out.add(Segment.assistant(m.content() + "<|im_end|>", i + d.turnOffset()));
        prompt.append('\n');
      }
    }
    if (prompt.length() > 0) out.add(Segment.prompt(prompt.toString()));
    return out;
  }

  @Override
  public boolean writesBos(String rendered) { return false; }
}
