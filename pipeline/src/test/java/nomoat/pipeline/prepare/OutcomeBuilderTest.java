package nomoat.pipeline.prepare;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import nomoat.pipeline.data.ExampleBuilder;
import nomoat.pipeline.data.ExampleSettings;
import nomoat.pipeline.data.RejectReason;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.data.SourceRow;
import nomoat.pipeline.data.record.RecordFormatName;
import nomoat.pipeline.data.template.TemplateName;
import nomoat.pipeline.shard.DatasetStats;
import nomoat.pipeline.source.ReadResult;
import nomoat.pipeline.source.SourceFormat;
import nomoat.pipeline.tokenize.HfTokenizer;
import nomoat.pipeline.tokenize.TestTokenizers;
import org.junit.jupiter.api.Test;

/** Rows as read become examples (with the id their read task gives them) or rejections, per source settings. */
class OutcomeBuilderTest {
  final HfTokenizer tok = TestTokenizers.tinyLlama();
  final ReadTask alpacaFile = new ReadTask(0, "si", SourceFormat.JSONL, "file:/d/a.jsonl", 100, "a.jsonl");
  final ReadTask textFile = new ReadTask(1, "plain", SourceFormat.JSONL, "file:/d/t.jsonl", 100, "t.jsonl");
  final List<ExampleSettings> settings = List.of(ExampleSettings.of(RecordFormatName.ALPACA, TemplateName.ALPACA, 64), ExampleSettings.of(RecordFormatName.TEXT, TemplateName.RAW, 8));

  private static ReadResult row(String source, String location, Map<String, Object> fields) {
    return new ReadResult.Row(new SourceRow(source, location, fields, fields.toString()));
  }

  @Test
  void eachRowIsBuiltWithItsSourcesSettingsUnderItsStableId() {
    OutcomeBuilder b = new OutcomeBuilder(settings, tok);
    ReadRow good = ReadRow.of(alpacaFile, row("si", "file:/d/a.jsonl:line 3", Map.of("instruction", "Say hi", "input", "", "output", "hi")));
    Outcome o = b.build(good);
    assertFalse(o.rejected());
    assertEquals(ExampleBuilder.exampleId("si", "a.jsonl:line 3"), o.example().exampleId());
    assertEquals(alpacaFile.exampleId("file:/d/a.jsonl:line 3"), good.exampleId());
    var direct = ((nomoat.pipeline.data.BuildResult.Built) new ExampleBuilder(settings.get(0), tok)
        .build(((ReadResult.Row) good.result()).row(), good.exampleId())).example();
    assertArrayEquals(direct.inputIds(), o.example().inputIds(), "the same example ExampleBuilder makes");
    assertArrayEquals(direct.labels(), o.example().labels());

    ReadRow tooLong = ReadRow.of(textFile, row("plain", "file:/d/t.jsonl:line 1", Map.of("text", "one two three four five six seven eight nine ten")));
    Outcome r = b.build(tooLong);
    assertTrue(r.rejected(), "max length 8 applies to the text source only");
    assertEquals(RejectReason.TOO_LONG, r.rejection().reason());
  }

  @Test
  void unreadableRowsStayRejectedWithoutAnId() {
    Rejection bad = new Rejection("si", "file:/d/a.jsonl:line 9", RejectReason.MALFORMED_JSON, "unexpected end", "{\"instr");
    ReadRow r = ReadRow.of(alpacaFile, new ReadResult.Bad(bad));
    assertNull(r.exampleId());
    assertSame(bad, new OutcomeBuilder(settings, tok).build(r).rejection());
  }

  @Test
  void countsRowsAndRejectionsBySource() {
    Rejection bad = new Rejection("si", "x", RejectReason.MALFORMED_JSON, "d", "r");
    OutcomeBuilder b = new OutcomeBuilder(settings, tok);
    Outcome ok = b.build(ReadRow.of(alpacaFile, row("si", "file:/d/a.jsonl:line 1", Map.of("instruction", "a", "input", "", "output", "b"))));
    DatasetStats s = Outcome.count(List.of(ok, Outcome.of(bad, "file:/d/a.jsonl"), Outcome.of(bad, "file:/d/a.jsonl")).iterator());
    assertEquals(3, s.rowsRead());
    assertEquals(2, s.rejected());
  }
}
