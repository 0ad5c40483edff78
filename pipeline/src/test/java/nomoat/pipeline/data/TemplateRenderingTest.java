package nomoat.pipeline.data;

import static nomoat.pipeline.data.Conversations.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import nomoat.pipeline.data.record.RecordFormatName;
import nomoat.pipeline.data.template.TemplateName;
import nomoat.pipeline.tokenize.HfTokenizer;
import nomoat.pipeline.tokenize.TestTokenizers;
import org.junit.jupiter.api.Test;

/** The exact text each template renders (TinyLlama tokenizer: BOS "<s>", EOS "</s>"). */
class TemplateRenderingTest {

  private static String text(String template, List<Message> conversation) {
    return new ExampleBuilder(messages(template), TestTokenizers.tinyLlama()).render(conversation).text();
  }

  private static String alpacaText(String instruction, String input, String output, String system) {
    Map<String, Object> fields = new java.util.HashMap<>(Map.of("instruction", instruction, "input", input, "output", output));
    if (system != null) fields.put("system", system);
    ExampleSettings s = new ExampleSettings(RecordFormatName.ALPACA, Map.of(), TemplateName.ALPACA, null, false, true, 4096, true);
    return new ExampleBuilder(s, TestTokenizers.tinyLlama()).render(new SourceRow("t", "t#0", fields, "")).text();
  }

  @Test
  void alpacaWithAndWithoutInput() {
    assertEquals("Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n"
        + "### Instruction:\nName a colour.\n\n### Response:\nBlue.</s>", alpacaText("Name a colour.", "", "Blue.", null));
    assertEquals("Below is an instruction that describes a task, paired with an input that provides further context. "
        + "Write a response that appropriately completes the request.\n\n"
        + "### Instruction:\nTranslate.\n\n### Input:\nBonjour\n\n### Response:\nHello</s>", alpacaText("Translate.", "Bonjour", "Hello", null));
    assertEquals("Answer in French.\n\n### Instruction:\nTranslate.\n\n### Input:\nHello\n\n### Response:\nBonjour</s>",
        alpacaText("Translate.", "Hello", "Bonjour", "Answer in French."));
  }

  @Test
  void alpacaMultiTurn() {
    assertEquals("Be brief.\n\n### Instruction:\nHi there\n\n### Response:\nHello!</s>\n\n### Instruction:\n2+2?\n\n### Response:\n4</s>",
        text("alpaca", MULTI));
  }

  @Test
  void vicuna() {
    String sys = "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, "
        + "detailed, and polite answers to the user's questions.";
    assertEquals(sys + " USER: Hi there ASSISTANT: Hello!</s>", text("vicuna_v1.1", SINGLE));
    assertEquals("Be brief. USER: Hi there ASSISTANT: Hello!</s>USER: 2+2? ASSISTANT: 4</s>", text("vicuna_v1.1", MULTI));
  }

  @Test
  void llama2() {
    assertEquals("<s>[INST] Hi there [/INST] Hello! </s>", text("llama2", SINGLE));
    assertEquals("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi there [/INST] Hello! </s>", text("llama2", SINGLE_WITH_SYSTEM));
    assertEquals("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi there [/INST] Hello! </s><s>[INST] 2+2? [/INST] 4 </s>", text("llama2", MULTI));
  }

  @Test
  void llama2WritesBosSoTheTokenizerAddsNone() {
    Rendered r = new ExampleBuilder(messages("llama2"), TestTokenizers.tinyLlama()).render(MULTI);
    assertEquals(1, r.ids()[0]);
    assertNotEquals(1, r.ids()[1], "no second BOS");
    int bos = 0;
    for (int id : r.ids()) if (id == 1) bos++;
    assertEquals(2, bos, "one <s> per exchange");
  }

  @Test
  void llama3() {
    assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
        + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>", text("llama3", SINGLE));
    assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
        + "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
        + "<|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>",
        text("llama3", MULTI));
    assertNotEquals(1, new ExampleBuilder(messages("llama3"), TestTokenizers.tinyLlama()).render(SINGLE).ids()[0],
        "<|begin_of_text|> is the BOS; the Llama 2 <s> is not added");
  }

  @Test
  void chatml() {
    assertEquals("<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n", text("chatml", SINGLE));
    assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
        + "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n", text("chatml", MULTI));
  }

  @Test
  void configuredSystemPromptAndRowSystemPrecedence() {
    ExampleSettings s = new ExampleSettings(RecordFormatName.MESSAGES, Map.of(), TemplateName.CHATML, "Configured.", false, true, 4096, true);
    HfTokenizer tok = TestTokenizers.qwen3();
    assertTrue(new ExampleBuilder(s, tok).render(SINGLE).text().startsWith("<|im_start|>system\nConfigured.<|im_end|>\n"));
    assertTrue(new ExampleBuilder(s, tok).render(SINGLE_WITH_SYSTEM).text().startsWith("<|im_start|>system\nBe brief.<|im_end|>\n"));
    ExampleSettings empty = new ExampleSettings(RecordFormatName.MESSAGES, Map.of(), TemplateName.VICUNA_V1_1, "", false, true, 4096, true);
    assertEquals("USER: Hi there ASSISTANT: Hello!</s>", new ExampleBuilder(empty, TestTokenizers.tinyLlama()).render(SINGLE).text());
  }

  @Test
  void rawTextTrainsEverythingAndEndsWithEos() {
    ExampleSettings s = new ExampleSettings(RecordFormatName.TEXT, Map.of(), TemplateName.RAW, null, false, false, 4096, true);
    Rendered r = new ExampleBuilder(s, TestTokenizers.tinyLlama()).render(new SourceRow("t", "t:1", Map.of("text", "Once upon a time."), ""));
    assertEquals("Once upon a time.</s>", r.text());
    assertEquals(1, r.ids()[0]);
    assertFalse(r.trained()[0], "BOS has nothing before it to predict it");
    assertEquals(r.ids().length - 1, r.numTrained());
    assertEquals("Once upon a time.</s>", Masks.trainedText(r));
  }
}
