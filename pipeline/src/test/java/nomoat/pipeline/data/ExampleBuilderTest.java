package nomoat.pipeline.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.record.RecordFormatName;
import nomoat.pipeline.data.template.TemplateName;
import nomoat.pipeline.tokenize.Hashing;
import nomoat.pipeline.tokenize.TestTokenizers;
import org.junit.jupiter.api.Test;

class ExampleBuilderTest {

  @Test
  void exampleIdIsTheStableHashOfSourceAndLocation() {
    String id = ExampleBuilder.exampleId("alpaca", "data.json#3");
    assertEquals(16, id.length());
    assertTrue(id.matches("[0-9a-f]{16}"));
    assertEquals(Hashing.sha256Hex("alpaca\0data.json#3").substring(0, 16), id);
    assertNotEquals(id, ExampleBuilder.exampleId("alpaca", "data.json#4"));
    ExampleBuilder b = new ExampleBuilder(ExampleSettings.of(RecordFormatName.ALPACA, TemplateName.ALPACA, 4096), TestTokenizers.tinyLlama());
    SourceRow row = new SourceRow("alpaca", "data.json#3", Map.of("instruction", "Hi", "output", "Yo"), "");
    TokenizedExample e = ((BuildResult.Built) b.build(row)).example();
    assertEquals(id, e.exampleId());
    assertEquals("alpaca", e.source());
    assertArrayEquals(e.inputIds(), ((BuildResult.Built) b.build(row)).example().inputIds());
  }

  @Test
  void buildAndRenderAgree() {
    ExampleBuilder b = new ExampleBuilder(ExampleSettings.of(RecordFormatName.SHAREGPT, TemplateName.CHATML, 4096), TestTokenizers.qwen3());
    for (SourceRow row : FixtureRows.jsonArray("oasst_en100_best_path_sharegpt.json").subList(0, 10)) {
      TokenizedExample e = ((BuildResult.Built) b.build(row)).example();
      Rendered r = b.render(row);
      assertArrayEquals(r.ids(), e.inputIds());
      for (int i = 0; i < r.ids().length; i++) assertEquals(r.trained()[i], e.labels()[i] != TokenizedExample.IGNORE);
      assertArrayEquals(TestTokenizers.qwen3().encodeIds(r.text(), false), r.ids(), "one tokenization of the whole text");
    }
  }

  @Test
  void concurrentBuildsMatchSequential() {
    ExampleBuilder b = new ExampleBuilder(ExampleSettings.of(RecordFormatName.SHAREGPT, TemplateName.TOKENIZER, 8192), TestTokenizers.tinyLlama());
    List<SourceRow> rows = FixtureRows.jsonArray("oasst_en100_best_path_sharegpt.json");
    List<int[]> sequential = rows.stream().map(r -> ((BuildResult.Built) b.build(r)).example().labels()).toList();
    List<int[]> parallel = rows.parallelStream().map(r -> ((BuildResult.Built) b.build(r)).example().labels()).toList();
    for (int i = 0; i < rows.size(); i++) assertTrue(Arrays.equals(sequential.get(i), parallel.get(i)), rows.get(i).location());
  }

  @Test
  void renderRejectsBadInputWithOneClearLine() {
    ExampleBuilder b = new ExampleBuilder(ExampleSettings.of(RecordFormatName.MESSAGES, TemplateName.CHATML, 4096), TestTokenizers.qwen3());
    NomoatException e = assertThrows(NomoatException.class, () -> b.render(List.of(new Message(Role.ASSISTANT, "Hi"))));
    assertEquals(NomoatException.ExitCode.INPUT_DATA, e.exitCode());
    assertTrue(e.getMessage().startsWith("wrong_turn_order: "), e.getMessage());
    NomoatException row = assertThrows(NomoatException.class, () -> b.render(new SourceRow("s", "f.jsonl:9", Map.of("messages", "x"), "")));
    assertTrue(row.getMessage().startsWith("f.jsonl:9: missing_field: field 'messages'"), row.getMessage());
  }

  @Test
  void settingsSurviveJavaSerialization() throws Exception {
    ExampleSettings s = new ExampleSettings(RecordFormatName.SHAREGPT, Map.of("conversations", "items"), TemplateName.CHATML, "Sys", true, false, 512, false);
    var bytes = new java.io.ByteArrayOutputStream();
    try (var out = new java.io.ObjectOutputStream(bytes)) { out.writeObject(s); }
    try (var in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(s, in.readObject());
    }
  }

  @Test
  void settingsNameTheFieldAtFault() {
    assertEquals("record format 'csv' is not one of [alpaca, sharegpt, messages, text]",
        assertThrows(NomoatException.class, () -> RecordFormatName.parse("csv")).getMessage());
    assertEquals("template 'zephyr' is not one of [alpaca, vicuna_v1.1, llama2, llama3, chatml, tokenizer, raw]",
        assertThrows(NomoatException.class, () -> TemplateName.parse("zephyr")).getMessage());
    assertEquals(TemplateName.VICUNA_V1_1, TemplateName.parse("vicuna_v1.1"));
    assertTrue(assertThrows(NomoatException.class, () -> ExampleSettings.of(null, TemplateName.ALPACA, 10)).getMessage().startsWith("format is required"));
    assertTrue(assertThrows(NomoatException.class, () -> ExampleSettings.of(RecordFormatName.ALPACA, TemplateName.ALPACA, 0)).getMessage().startsWith("maxLength"));
    assertTrue(assertThrows(NomoatException.class,
        () -> new ExampleSettings(RecordFormatName.ALPACA, Map.of("prompt", "x"), TemplateName.ALPACA, null, false, true, 10, true)).getMessage().contains("'prompt'"));
    assertThrows(NomoatException.class, () -> new ExampleBuilder(ExampleSettings.of(RecordFormatName.ALPACA, TemplateName.TOKENIZER, 10), TestTokenizers.mistral()),
        "Mistral has no chat_template");
  }
}
