package nomoat.pipeline.data.template;

import java.util.ArrayList;
import java.util.List;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.data.Message;
import nomoat.pipeline.data.Role;

/**
 * The Alpaca prompt as in tloen/alpaca-lora templates/alpaca.json (Stanford Alpaca's PROMPT_DICT,
 * tatsu-lab/stanford_alpaca train.py, plus the newline after "### Response:"), response then EOS as in
 * Stanford Alpaca's {@code f"{output}{tokenizer.eos_token}"}. A configured or row system prompt replaces the
 * "Below is an instruction..." preamble. Further turns repeat "### Instruction:/### Response:" blocks.
 */
final class AlpacaTemplate implements ChatTemplate {
  static final String PREAMBLE_WITH_INPUT = "Below is an instruction that describes a task, paired with an input that provides "
      + "further context. Write a response that appropriately completes the request.";
  static final String PREAMBLE_NO_INPUT = "Below is an instruction that describes a task. Write a response that appropriately "
      + "completes the request.";

  private final String eos;

  AlpacaTemplate(String eos) { this.eos = ChatTemplate.orEmpty(eos); }

  @Override
  public List<Segment> render(Conversation conversation, String configuredSystem) {
    boolean hasInput = conversation.alpacaInput() != null && !conversation.alpacaInput().isBlank();
    Dialogue d = Dialogue.of(conversation, configuredSystem, hasInput ? PREAMBLE_WITH_INPUT : PREAMBLE_NO_INPUT);
    List<Segment> out = new ArrayList<>();
    StringBuilder prompt = new StringBuilder();
    if (d.hasSystem()) prompt.append(d.system()).append("\n\n");
    for (int i = 0; i < d.turns().size(); i++) {
      Message m = d.turns().get(i);
      if (m.role() == Role.USER) {
        if (i > 0) prompt.append("\n\n");
        boolean first = i == 0 && conversation.alpacaInstruction() != null;
        prompt.append("### Instruction:\n").append(first ? conversation.alpacaInstruction() : m.content()).append("\n\n");
        if (first && hasInput) prompt.append("### Input:\n").append(conversation.alpacaInput()).append("\n\n");
        prompt.append("### Response:\n");
      } else {
        out.add(Segment.prompt(prompt.toString()));
        prompt.setLength(0);
        out.add(Segment.assistant(m.content() + eos, i + d.turnOffset()));
      }
    }
    if (prompt.length() > 0) out.add(Segment.prompt(prompt.toString()));
    return out;
  }

  @Override
  public boolean writesBos(String rendered) { return false; }
}
