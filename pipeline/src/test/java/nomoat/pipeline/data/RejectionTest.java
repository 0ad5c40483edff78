package nomoat.pipeline.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.data.record.RecordFormatName;
import nomoat.pipeline.data.template.TemplateName;
import nomoat.pipeline.tokenize.TestTokenizers;
import org.junit.jupiter.api.Test;

/** Hand-written corrupt rows get exactly the expected reason and a detail naming the field. */
class RejectionTest {

  private static Rejection reject(ExampleSettings settings, Map<String, Object> fields) {
    BuildResult r = new ExampleBuilder(settings, TestTokenizers.tinyLlama()).build(new SourceRow("src", "file.json#7", fields, "{raw}"));
    assertInstanceOf(BuildResult.Rejected.class, r, "expected a rejection");
    Rejection j = ((BuildResult.Rejected) r).rejection();
    assertEquals("src", j.source());
    assertEquals("file.json#7", j.location());
    assertEquals("{raw}", j.raw());
    return j;
  }

  private static void expect(RejectReason reason, String detail, ExampleSettings settings, Map<String, Object> fields) {
    Rejection j = reject(settings, fields);
    assertEquals(reason, j.reason(), j.detail());
    assertEquals(detail, j.detail());
  }

  private static final ExampleSettings ALPACA = ExampleSettings.of(RecordFormatName.ALPACA, TemplateName.ALPACA, 4096);
  private static final ExampleSettings SHAREGPT = ExampleSettings.of(RecordFormatName.SHAREGPT, TemplateName.CHATML, 4096);
  private static final ExampleSettings MESSAGES = ExampleSettings.of(RecordFormatName.MESSAGES, TemplateName.CHATML, 4096);

  private static Map<String, Object> turn(String from, String value) {
    Map<String, Object> m = new HashMap<>();
    m.put("from", from);
    m.put("value", value);
    return m;
  }

  private static Map<String, Object> sharegpt(Object... fromValue) {
    List<Object> turns = new ArrayList<>();
    for (int i = 0; i < fromValue.length; i += 2) turns.add(turn((String) fromValue[i], (String) fromValue[i + 1]));
    return Map.of("conversations", turns);
  }

  @Test
  void alpacaFields() {
    expect(RejectReason.MISSING_FIELD, "field 'output' is missing", ALPACA, Map.of("instruction", "Do it", "input", ""));
    expect(RejectReason.EMPTY_FIELD, "field 'instruction' is empty", ALPACA, Map.of("instruction", "  \n", "output", "x"));
    expect(RejectReason.MISSING_FIELD, "field 'instruction' must be a string, got a list", ALPACA, Map.of("instruction", List.of("a"), "output", "x"));
    expect(RejectReason.UNDECODABLE_TEXT, "field 'output' contains U+FFFD (undecodable bytes) at index 3", ALPACA,
        Map.of("instruction", "Do it", "output", "abc\uFFFDdef"));
    expect(RejectReason.UNDECODABLE_TEXT, "field 'input' has an unpaired surrogate at index 1", ALPACA,
        Map.of("instruction", "Do it", "input", "a\uD83Dz", "output", "x"));
    // empty input is fine, and numbers are text
    BuildResult ok = new ExampleBuilder(ALPACA, TestTokenizers.tinyLlama()).build(new SourceRow("s", "l", Map.of("instruction", "2+2", "input", "", "output", 4), ""));
    assertInstanceOf(BuildResult.Built.class, ok);
  }

  @Test
  void mappedColumnsAreNamedInDetails() {
    ExampleSettings s = new ExampleSettings(RecordFormatName.ALPACA, Map.of("instruction", "prompt", "output", "completion"), TemplateName.ALPACA, null, false, true, 4096, true);
    expect(RejectReason.MISSING_FIELD, "field 'completion' is missing", s, Map.of("prompt", "Do it", "output", "ignored"));
    assertInstanceOf(BuildResult.Built.class,
        new ExampleBuilder(s, TestTokenizers.tinyLlama()).build(new SourceRow("s", "l", Map.of("prompt", "Do it", "completion", "Done"), "")));
  }

  @Test
  void shareGptRolesAndOrder() {
    expect(RejectReason.UNKNOWN_ROLE, "field 'conversations[2].from' has unknown role 'bot'", SHAREGPT,
        sharegpt("human", "hi", "gpt", "hello", "bot", "?"));
    expect(RejectReason.WRONG_TURN_ORDER, "turn 0 of 'conversations' is assistant: the conversation must start with a user turn (after an optional system turn)",
        SHAREGPT, sharegpt("gpt", "Hello, how can I help?", "human", "hi", "gpt", "hello"));
    expect(RejectReason.WRONG_TURN_ORDER, "turn 3 of 'conversations' is user: user and assistant turns must alternate", SHAREGPT,
        sharegpt("human", "hi", "gpt", "hello", "human", "a", "human", "b"));
    expect(RejectReason.WRONG_TURN_ORDER, "turn 2 of 'conversations' is system: a system turn is only allowed first", SHAREGPT,
        sharegpt("human", "hi", "gpt", "hello", "system", "late"));
    expect(RejectReason.WRONG_TURN_ORDER, "'conversations' has no assistant turn", SHAREGPT, sharegpt("system", "s", "human", "hi"));
    expect(RejectReason.EMPTY_FIELD, "field 'conversations[1].value' is empty", SHAREGPT, sharegpt("human", "hi", "gpt", ""));
    expect(RejectReason.MISSING_FIELD, "field 'conversations[1].from' is missing", SHAREGPT,
        Map.of("conversations", List.of(turn("human", "hi"), Map.of("value", "x"))));
    expect(RejectReason.MISSING_FIELD, "field 'conversations' is missing", SHAREGPT, Map.of("messages", List.of()));
    expect(RejectReason.EMPTY_FIELD, "field 'conversations' is an empty list", SHAREGPT, Map.of("conversations", List.of()));
    expect(RejectReason.MISSING_FIELD, "field 'conversations[0]' must be an object, got a string", SHAREGPT, Map.of("conversations", List.of("hi")));
  }

  @Test
  void shareGptSpeakerSpellings() {
    BuildResult r = new ExampleBuilder(SHAREGPT, TestTokenizers.qwen3()).build(new SourceRow("s", "l",
        sharegpt("system", "Sys", "USER", "a", "chatgpt", "b", "human", "c", "bard", "d"), ""));
    assertInstanceOf(BuildResult.Built.class, r);
    ExampleSettings asJsonText = ExampleSettings.of(RecordFormatName.SHAREGPT, TemplateName.CHATML, 4096);
    BuildResult fromCsv = new ExampleBuilder(asJsonText, TestTokenizers.qwen3()).build(new SourceRow("s", "l",
        Map.of("conversations", "[{\"from\":\"human\",\"value\":\"a\"},{\"from\":\"gpt\",\"value\":\"b\"}]"), ""));
    assertInstanceOf(BuildResult.Built.class, fromCsv, "a JSON list stored as text (CSV/Parquet) is read");
  }

  @Test
  void messagesFormat() {
    expect(RejectReason.UNKNOWN_ROLE, "field 'messages[1].role' has unknown role 'tool'", MESSAGES,
        Map.of("messages", List.of(Map.of("role", "user", "content", "hi"), Map.of("role", "tool", "content", "{}"))));
    expect(RejectReason.MISSING_FIELD, "field 'messages[0].content' is missing", MESSAGES, Map.of("messages", List.of(Map.of("role", "user"))));
    ExampleSettings mapped = new ExampleSettings(RecordFormatName.MESSAGES, Map.of("messages", "chat", "role", "speaker", "content", "text"), TemplateName.CHATML, null, false, true, 4096, true);
    BuildResult r = new ExampleBuilder(mapped, TestTokenizers.qwen3()).build(new SourceRow("s", "l",
        Map.of("chat", List.of(Map.of("speaker", "user", "text", "hi"), Map.of("speaker", "assistant", "text", "yo"))), ""));
    assertInstanceOf(BuildResult.Built.class, r);
  }

  @Test
  void rowLevelSystemColumn() {
    Map<String, Object> row = new HashMap<>(sharegpt("human", "hi", "gpt", "yo"));
    row.put("system", "Be kind.");
    Rendered r = new ExampleBuilder(SHAREGPT, TestTokenizers.qwen3()).render(new SourceRow("s", "l", row, ""));
    assertTrue(r.text().startsWith("<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nhi"), r.text());
    Rendered dev = new ExampleBuilder(MESSAGES, TestTokenizers.qwen3()).render(new SourceRow("s", "l", Map.of("messages", List.of(
        Map.of("role", "developer", "content", "Dev."), Map.of("role", "User", "content", "hi"), Map.of("role", "assistant", "content", "yo"))), ""));
    assertTrue(dev.text().startsWith("<|im_start|>system\nDev.<|im_end|>\n<|im_start|>user\nhi"), dev.text());
  }

  @Test
  void textFormat() {
    ExampleSettings s = ExampleSettings.of(RecordFormatName.TEXT, TemplateName.RAW, 4096);
    expect(RejectReason.EMPTY_FIELD, "field 'text' is empty", s, Map.of("text", ""));
    expect(RejectReason.MISSING_FIELD, "field 'text' is missing", s, Map.of("body", "x"));
  }

  @Test
  void tooLongIsDroppedOrTruncated() {
    Map<String, Object> row = Map.of("instruction", "Count.", "output", "one two three four five six seven eight nine ten");
    int n = ((BuildResult.Built) new ExampleBuilder(ALPACA, TestTokenizers.tinyLlama()).build(new SourceRow("s", "l", row, ""))).example().numTokens();
    assertTrue(n > 40);
    expect(RejectReason.TOO_LONG, "example has " + n + " tokens, more than maxLength " + (n - 1), ExampleSettings.of(RecordFormatName.ALPACA, TemplateName.ALPACA, n - 1), row);
    assertInstanceOf(BuildResult.Built.class, new ExampleBuilder(ExampleSettings.of(RecordFormatName.ALPACA, TemplateName.ALPACA, n), TestTokenizers.tinyLlama()).build(new SourceRow("s", "l", row, "")));
    ExampleSettings truncate = new ExampleSettings(RecordFormatName.ALPACA, Map.of(), TemplateName.ALPACA, null, false, true, 40, false);
    TokenizedExample e = ((BuildResult.Built) new ExampleBuilder(truncate, TestTokenizers.tinyLlama()).build(new SourceRow("s", "l", row, ""))).example();
    assertTrue(e.truncated());
    assertEquals(40, e.numTokens());
    assertEquals(40, e.labels().length);
    assertTrue(e.numTrainedTokens() > 0);
    ExampleSettings tiny = new ExampleSettings(RecordFormatName.ALPACA, Map.of(), TemplateName.ALPACA, null, false, true, 20, false);
    expect(RejectReason.NO_TRAINED_TOKENS, "no trained token is left after truncation to 20 tokens", tiny, row);
  }

  @Test
  void templateErrorFromRaiseException() {
    // A template that refuses system turns, as many HF templates do via raise_exception.
    ExampleSettings s = ExampleSettings.of(RecordFormatName.MESSAGES, TemplateName.TOKENIZER, 4096);
    var tok = JinjaTokenizers.withTemplate(TestTokenizers.tinyLlama(),
        "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{{ m.content }}{% endfor %}");
    BuildResult r = new ExampleBuilder(s, tok).build(new SourceRow("s", "l", Map.of("messages", List.of(Map.of("role", "system", "content", "x"),
        Map.of("role", "user", "content", "hi"), Map.of("role", "assistant", "content", "yo"))), ""));
    Rejection j = ((BuildResult.Rejected) r).rejection();
    assertEquals(RejectReason.TEMPLATE_ERROR, j.reason());
    assertTrue(j.detail().contains("System role not supported"), j.detail());
  }
}
