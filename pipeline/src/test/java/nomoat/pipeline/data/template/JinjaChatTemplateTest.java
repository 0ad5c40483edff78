package nomoat.pipeline.data.template;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.data.Message;
import nomoat.pipeline.data.Role;
import nomoat.pipeline.tokenize.TestTokenizers;
import org.junit.jupiter.api.Test;

/** The fixture chat templates render exactly as jinja2 renders them (expected strings from jinja2 3.1). */
class JinjaChatTemplateTest {
  private static final List<Message> MULTI = List.of(new Message(Role.SYSTEM, "Be brief."), new Message(Role.USER, "Hi there"),
      new Message(Role.ASSISTANT, "Hello!"), new Message(Role.USER, "2+2?"), new Message(Role.ASSISTANT, "4"));
  private static final List<Message> REASONING = List.of(new Message(Role.USER, "Q1"), new Message(Role.ASSISTANT, "<think>\nr1\n</think>\n\nA1"),
      new Message(Role.USER, "Q2"), new Message(Role.ASSISTANT, "<think>\nr2\n</think>\n\nA2"));

  @Test
  void qwen3() {
    JinjaChatTemplate t = JinjaChatTemplate.of(TestTokenizers.qwen3());
    assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
        + "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n4<|im_end|>\n", t.apply(MULTI, false));
    assertEquals("<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n", t.apply(MULTI.subList(1, 2), true));
    assertEquals("<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n<|im_start|>user\nQ2<|im_end|>\n"
        + "<|im_start|>assistant\n<think>\nr2\n</think>\n\nA2<|im_end|>\n", t.apply(REASONING, false));
  }

  @Test
  void qwen3EarlierReasoningIsDroppedAndTheTurnStillMasked() {
    List<Segment> segments = JinjaChatTemplate.of(TestTokenizers.qwen3()).render(Conversation.of(REASONING), null);
    List<String> assistant = segments.stream().filter(s -> s.kind() == Segment.Kind.ASSISTANT).map(Segment::text).toList();
    assertEquals(List.of("A1<|im_end|>", "<think>\nr2\n</think>\n\nA2<|im_end|>"), assistant);
    assertEquals(List.of(1, 3), segments.stream().filter(s -> s.kind() == Segment.Kind.ASSISTANT).map(Segment::turn).toList());
  }

  @Test
  void zephyr() {
    JinjaChatTemplate t = JinjaChatTemplate.of(TestTokenizers.tinyLlama());
    assertEquals("<|system|>\nBe brief.</s>\n<|user|>\nHi there</s>\n<|assistant|>\nHello!</s>\n<|user|>\n2+2?</s>\n<|assistant|>\n4</s>\n",
        t.apply(MULTI, false));
    assertEquals("<|user|>\nQ1</s>\n<|assistant|>\n", t.apply(REASONING.subList(0, 1), true));
  }

  @Test
  void segmentsConcatenateToTheRendering() {
    JinjaChatTemplate t = JinjaChatTemplate.of(TestTokenizers.tinyLlama());
    StringBuilder b = new StringBuilder();
    for (Segment s : t.render(Conversation.of(MULTI), null)) b.append(s.text());
    assertEquals(t.apply(MULTI, false), b.toString());
  }

  @Test
  void brokenTemplateIsAConfigErrorAtStart() {
    var tok = nomoat.pipeline.data.JinjaTokenizers.withTemplate(TestTokenizers.tinyLlama(), "{% for m in messages %}{{ m.content }}");
    var e = assertThrows(nomoat.pipeline.NomoatException.class, () -> JinjaChatTemplate.of(tok));
    assertEquals(nomoat.pipeline.NomoatException.ExitCode.CONFIG, e.exitCode());
    assertTrue(e.getMessage().startsWith("chat_template does not parse"), e.getMessage());
  }

  @Test
  void mistralHasNoChatTemplate() {
    var e = assertThrows(nomoat.pipeline.NomoatException.class, () -> JinjaChatTemplate.of(TestTokenizers.mistral()));
    assertTrue(e.getMessage().contains("chat_template"));
  }
}
