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

/**
 * Exact trained tokens at every template boundary, multi-turn, for the three fixture tokenizers. Runs of
 * trained text are joined by "|"; a token that straddles a boundary is trained and shows its whole span.
 */
class LossMaskTest {

  private static Rendered render(String template, HfTokenizer tok, List<Message> conversation) {
    return new ExampleBuilder(messages(template), tok).render(conversation);
  }

  private static void expect(String template, HfTokenizer tok, String trainedText, List<String> pieces) {
    Rendered r = render(template, tok, MULTI);
    assertEquals(trainedText, Masks.trainedText(r), template + " trained text");
    assertEquals(pieces, Masks.trainedPieces(r), template + " trained pieces");
  }

  @Test
  void alpaca() {
    expect("alpaca", TestTokenizers.tinyLlama(), "Hello!</s>|4</s>", List.of("Hello", "!", "</s>", "4", "</s>"));
    expect("alpaca", TestTokenizers.mistral(), "Hello!</s>|4</s>", List.of("Hello", "!", "</s>", "4", "</s>"));
    expect("alpaca", TestTokenizers.qwen3(), "Hello!<|im_end|>|4<|im_end|>", List.of("Hello", "!", "<|im_end|>", "4", "<|im_end|>"));
  }

  @Test
  void vicunaTrainsTheSpaceAfterAssistantColon() {
    // Generation starts after "ASSISTANT:", so the space is the model's: "▁Hello" covers it; digits split, so " 4" is "▁" + "4".
    expect("vicuna_v1.1", TestTokenizers.tinyLlama(), " Hello!</s>| 4</s>", List.of("▁Hello", "!", "</s>", "▁", "4", "</s>"));
    expect("vicuna_v1.1", TestTokenizers.mistral(), " Hello!</s>| 4</s>", List.of("▁Hello", "!", "</s>", "▁", "4", "</s>"));
    expect("vicuna_v1.1", TestTokenizers.qwen3(), " Hello!<|im_end|>| 4<|im_end|>", List.of("ĠHello", "!", "<|im_end|>", "Ġ", "4", "<|im_end|>"));
  }

  @Test
  void llama2TrainsSpaceAndEosButNotTheNextBos() {
    expect("llama2", TestTokenizers.tinyLlama(), " Hello! </s>| 4 </s>", List.of("▁Hello", "!", "▁", "</s>", "▁", "4", "▁", "</s>"));
    expect("llama2", TestTokenizers.mistral(), " Hello! </s>| 4 </s>", List.of("▁Hello", "!", "▁", "</s>", "▁", "4", "▁", "</s>"));
    Rendered r = render("llama2", TestTokenizers.tinyLlama(), MULTI);
    int secondBos = -1;
    for (int i = 1; i < r.ids().length; i++) if (r.ids()[i] == 1) secondBos = i;
    assertTrue(secondBos > 0);
    assertTrue(r.trained()[secondBos - 1], "the </s> closing the first answer is trained");
    assertFalse(r.trained()[secondBos], "the <s> opening the next exchange is prompt");
  }

  @Test
  void llama3() {
    // With a tokenizer that lacks Llama 3's special tokens they are plain text, and a piece such as "!<"
    // straddles the end of the answer and the next header; it is trained because it holds trained text.
    expect("llama3", TestTokenizers.tinyLlama(), "Hello!<|eot_id|><|4<|eot_id|>",
        List.of("Hello", "!", "<", "|", "e", "ot", "_", "id", "|", "><", "4", "<", "|", "e", "ot", "_", "id", "|", ">"));
    expect("llama3", TestTokenizers.qwen3(), "Hello!<|eot_id|><|4<|eot_id|>",
        List.of("Hello", "!<", "|", "e", "ot", "_id", "|", "><", "4", "<", "|", "e", "ot", "_id", "|", ">"));
  }

  @Test
  void chatml() {
    expect("chatml", TestTokenizers.qwen3(), "Hello!<|im_end|>|4<|im_end|>", List.of("Hello", "!", "<|im_end|>", "4", "<|im_end|>"));
    expect("chatml", TestTokenizers.tinyLlama(), "Hello!<|im_end|>|4<|im_end|>",
        List.of("Hello", "!", "<", "|", "im", "_", "end", "|", ">", "4", "<", "|", "im", "_", "end", "|", ">"));
    expect("chatml", TestTokenizers.mistral(), "Hello!<|im_end|>|4<|im_end|>",
        List.of("Hello", "!", "<", "|", "im", "_", "end", "|", ">", "4", "<", "|", "im", "_", "end", "|", ">"));
  }

  @Test
  void tokenizerTemplates() {
    // Zephyr (TinyLlama): "<|assistant|>\n" is prompt, content + "</s>" trained, the "\n" after it is not.
    expect("tokenizer", TestTokenizers.tinyLlama(), "Hello!</s>|4</s>", List.of("Hello", "!", "</s>", "4", "</s>"));
    // Qwen3 renders the final answer with an empty think block (that is part of the assistant output).
    expect("tokenizer", TestTokenizers.qwen3(), "Hello!<|im_end|>|<think>\n\n</think>\n\n4<|im_end|>",
        List.of("Hello", "!", "<|im_end|>", "<think>", "ĊĊ", "</think>", "ĊĊ", "4", "<|im_end|>"));
  }

  @Test
  void offsetsAfterSupplementaryCharactersStayAligned() {
    // Rust reports code-point offsets; an emoji is two UTF-16 units, so unconverted spans would drift.
    List<Message> c = List.of(new Message(Role.USER, "😀😀 smile"), new Message(Role.ASSISTANT, "😀 ok"));
    assertEquals("😀 ok<|im_end|>", Masks.trainedText(render("chatml", TestTokenizers.qwen3(), c)));
    assertEquals("😀 ok</s>", Masks.trainedText(render("tokenizer", TestTokenizers.tinyLlama(), c)));
    assertEquals(" 😀 ok </s>", Masks.trainedText(render("llama2", TestTokenizers.mistral(), c)));
  }

  @Test
  void onlyTheLastAssistantTurn() {
    ExampleSettings s = new ExampleSettings(RecordFormatName.MESSAGES, Map.of(), TemplateName.CHATML, null, false, false, 4096, true);
    Rendered r = new ExampleBuilder(s, TestTokenizers.qwen3()).render(MULTI);
    assertEquals("4<|im_end|>", Masks.trainedText(r));
    ExampleSettings z = new ExampleSettings(RecordFormatName.MESSAGES, Map.of(), TemplateName.TOKENIZER, null, false, false, 4096, true);
    assertEquals("4</s>", Masks.trainedText(new ExampleBuilder(z, TestTokenizers.tinyLlama()).render(MULTI_NO_SYSTEM)));
  }

  @Test
  void trainOnPromptTrainsEverythingButTheAddedBos() {
    ExampleSettings s = new ExampleSettings(RecordFormatName.MESSAGES, Map.of(), TemplateName.LLAMA2, null, true, true, 4096, true);
    Rendered r = new ExampleBuilder(s, TestTokenizers.tinyLlama()).render(MULTI);
    assertEquals(r.ids().length, r.numTrained(), "llama2 writes its own <s>, which is text and trained");
    ExampleSettings c = new ExampleSettings(RecordFormatName.MESSAGES, Map.of(), TemplateName.CHATML, null, true, true, 4096, true);
    Rendered q = new ExampleBuilder(c, TestTokenizers.tinyLlama()).render(MULTI);
    assertFalse(q.trained()[0]);
    assertEquals(q.ids().length - 1, q.numTrained());
  }

  @Test
  void eosIsTrainedEvenWhenPadEqualsEos() {
    HfTokenizer tok = TestTokenizers.tinyLlama();
    assertEquals(tok.eosId(), tok.padId(), "TinyLlama pads with </s>");
    ExampleSettings s = new ExampleSettings(RecordFormatName.ALPACA, Map.of(), TemplateName.ALPACA, null, false, true, 4096, true);
    BuildResult r = new ExampleBuilder(s, tok).build(new SourceRow("t", "t#0", Map.of("instruction", "Say hi", "output", "Hi"), ""));
    TokenizedExample e = ((BuildResult.Built) r).example();
    int last = e.inputIds().length - 1;
    assertEquals(2, e.inputIds()[last]);
    assertEquals(2, e.labels()[last]);
  }

  @Test
  void markedShowsTrainedTextInBracketsOrColour() {
    Rendered r = render("chatml", TestTokenizers.qwen3(), SINGLE);
    assertEquals("<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n[[Hello!<|im_end|>]]\n", r.marked(false));
    assertEquals("<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n\u001b[1;32mHello!<|im_end|>\u001b[0m\n", r.marked(true));
    assertTrue(render("chatml", TestTokenizers.tinyLlama(), SINGLE).marked(false).startsWith("<s><|im_start|>"));
  }
}
