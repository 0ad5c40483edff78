package nomoat.pipeline.data.template;

import java.util.ArrayList;
import java.util.List;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.data.Message;

/**
 * Continued pre-training: the text as is (turns joined by a blank line), then EOS so documents end; every
 * token is trained.
 */
final class RawTemplate implements ChatTemplate {
  private final String eos;

  RawTemplate(String eos) { this.eos = ChatTemplate.orEmpty(eos); }

  @Override
  public List<Segment> render(Conversation conversation, String configuredSystem) {
    List<Segment> out = new ArrayList<>();
    List<Message> messages = conversation.messages();
    for (int i = 0; i < messages.size(); i++) {
      String sep = i + 1 < messages.size() ? "\n\n" : eos;
      out.add(Segment.text(messages.get(i).content() + sep));
    }
    return out;
  }

  @Override
  public boolean writesBos(String rendered) { return false; }
}
