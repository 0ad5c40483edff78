package nomoat.pipeline.data;

import static nomoat.pipeline.data.Conversations.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import nomoat.pipeline.tokenize.HfTokenizer;
import nomoat.pipeline.tokenize.TestTokenizers;
import org.junit.jupiter.api.Test;

/**
 * Cross-check: the Llama 2 chat_template published in meta-llama/Llama-2-7b-chat-hf tokenizer_config.json,
 * rendered by the `tokenizer` template path, gives the same text, ids and mask as the built-in llama2 template
 * (it writes bos_token itself, so no second BOS is added).
 */
class Llama2OfficialTemplateTest {
  static final String LLAMA2_CHAT_TEMPLATE = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
      + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}"
      + "{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
      + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
      + "{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
      + "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}"
      + "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
      + "{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

  @Test
  void sameTextIdsAndMaskAsTheBuiltInLlama2Template() {
    HfTokenizer official = JinjaTokenizers.withTemplate(TestTokenizers.tinyLlama(), LLAMA2_CHAT_TEMPLATE);
    for (List<Message> conversation : List.of(SINGLE, SINGLE_WITH_SYSTEM, MULTI, MULTI_NO_SYSTEM)) {
      Rendered viaJinja = new ExampleBuilder(messages("tokenizer"), official).render(conversation);
      Rendered builtIn = new ExampleBuilder(messages("llama2"), TestTokenizers.tinyLlama()).render(conversation);
      assertEquals(builtIn.text(), viaJinja.text());
      assertArrayEquals(builtIn.ids(), viaJinja.ids());
      assertArrayEquals(builtIn.trained(), viaJinja.trained());
      assertEquals(1, viaJinja.ids()[0]);
      assertNotEquals(1, viaJinja.ids()[1], "no second BOS");
    }
  }
}
