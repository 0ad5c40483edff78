package nomoat.pipeline.generate;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.data.Message;
import nomoat.pipeline.data.Role;
import nomoat.pipeline.data.template.ChatTemplate;
import nomoat.pipeline.data.template.Segment;
import nomoat.pipeline.data.template.TemplateName;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.tokenize.HfTokenizer;

/**
 * A conversation so far -> the token ids the model continues from, rendered with the template the adapter was
 * trained with: everything the template writes before the reply's first trained token (so the reply starts
 * where training taught it to). The raw template feeds the text as it is, after BOS.
 */
public final class Prompts {
  private final ChatTemplate template;
  private final TemplateName templateName;
  private final String systemPrompt;
  private final HfTokenizer tokenizer;

  /** End-of-turn markers of the templates nomoat knows; those the vocabulary has stop generation too. */
  static final List<String> END_OF_TURN = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|endoftext|>", "<|end_of_text|>", "</s>");

  public Prompts(TemplateName templateName, String systemPrompt, HfTokenizer tokenizer) {
    this.templateName = templateName;
    this.template = ChatTemplate.named(templateName, tokenizer);
    this.systemPrompt = systemPrompt;
    this.tokenizer = tokenizer;
  }

  /** The rendered prompt text for {@code history} (alternating user/assistant messages, ending with a user message). */
  public String render(List<Message> history) {
    if (templateName == TemplateName.RAW) {
      StringBuilder sb = new StringBuilder();
      for (Message m : history) sb.append(m.content());
      return sb.toString();
    }
    List<Message> messages = new ArrayList<>(history);
    messages.add(new Message(Role.ASSISTANT, ""));
    StringBuilder prompt = new StringBuilder();
    List<Segment> segments = template.render(Conversation.of(messages), systemPrompt);
    int lastReply = -1;
    for (int i = 0; i < segments.size(); i++) if (segments.get(i).kind() == Segment.Kind.ASSISTANT) lastReply = i;
    for (int i = 0; i < (lastReply < 0 ? segments.size() : lastReply); i++) prompt.append(segments.get(i).text());
    return prompt.toString();
  }

  /** Token ids of the rendered prompt; BOS first whenever the tokenizer has one (and the template did not write it). */
  public int[] encode(String rendered) {
    int[] ids = tokenizer.encodeIds(rendered, !template.writesBos(rendered));
    int bos = tokenizer.bosToken() == null ? -1 : tokenizer.bosId();
    if (bos >= 0 && (ids.length == 0 || ids[0] != bos) && !template.writesBos(rendered)) {
      int[] withBos = new int[ids.length + 1];
      withBos[0] = bos;
      System.arraycopy(ids, 0, withBos, 1, ids.length);
      ids = withBos;
    }
    return ids;
  }

  /** Every id that ends a reply: the model's eos ids, the tokenizer's EOS and the end-of-turn markers it has. */
  public static Set<Integer> stopIds(LlamaConfig config, HfTokenizer tokenizer) {
    Set<Integer> stop = new LinkedHashSet<>(config.eosTokenIds());
    if (tokenizer.eosToken() != null && tokenizer.eosId() >= 0) stop.add(tokenizer.eosId());
    for (String t : END_OF_TURN) if (tokenizer.tokenToId(t) >= 0) stop.add(tokenizer.tokenToId(t));
    return stop;
  }
}
