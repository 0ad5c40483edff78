package nomoat.pipeline.data;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.record.RecordFormatName;
import nomoat.pipeline.data.template.TemplateName;
import nomoat.pipeline.testing.Fixtures;
import nomoat.pipeline.tokenize.HfTokenizer;
import org.junit.jupiter.api.Test;

/**
 * A chat template that renders earlier turns differently once later turns exist (Mistral-Instruct v0.3 puts the
 * system prompt into the LAST user message) gives no reliable place for the mask: the row is refused, never
 * masked by guessing (a string search would train the user's "Yes" instead of the assistant's).
 */
class PrefixUnstableTemplateTest {
  static final String SYSTEM_IN_LAST_USER = "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}"
      + "{% if loop.last or loop.index0 == messages|length - 2 %}{% if messages[0]['role'] == 'system' %}[INST] "
      + "{{ messages[0]['content'] }}\n\n{{ m['content'] }} [/INST]{% else %}[INST] {{ m['content'] }} [/INST]{% endif %}"
      + "{% else %}[INST] {{ m['content'] }} [/INST]{% endif %}{% elif m['role'] == 'assistant' %} {{ m['content'] }}{{ eos_token }}"
      + "{% endif %}{% endfor %}";

  @Test
  void notPrefixStableTemplatesRejectTheRowInsteadOfGuessing() throws Exception {
    var dir = Fixtures.tokenizerDir("tinyllama-1.1b-chat-v1.0");
    ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(dir.resolve("tokenizer_config.json").toFile());
    cfg.put("chat_template", SYSTEM_IN_LAST_USER);
    HfTokenizer tok = HfTokenizer.fromBytes(Files.readAllBytes(dir.resolve("tokenizer.json")), new ObjectMapper().writeValueAsBytes(cfg));
    ExampleBuilder b = new ExampleBuilder(new ExampleSettings(RecordFormatName.MESSAGES, Map.of(), TemplateName.TOKENIZER, null, false, true, 512, true), tok);
    List<Message> conversation = List.of(new Message(Role.SYSTEM, "Be brief."), new Message(Role.USER, "Answer Yes or No: is water wet?"),
        new Message(Role.ASSISTANT, "Yes"), new Message(Role.USER, "Again?"), new Message(Role.ASSISTANT, "No"));
    NomoatException e = assertThrows(NomoatException.class, () -> b.render(conversation));
    assertTrue(e.getMessage().contains("template_error"), e.getMessage());
    assertTrue(e.getMessage().contains("prefix-stable"), e.getMessage());
  }
}
