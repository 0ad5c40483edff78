package nomoat.pipeline.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import nomoat.pipeline.data.record.RecordFormatName;
import nomoat.pipeline.data.template.TemplateName;
import nomoat.pipeline.tokenize.HfTokenizer;
import nomoat.pipeline.tokenize.TestTokenizers;
import org.junit.jupiter.api.Test;

/** Every row of the real fixture datasets builds, with BOS/EOS and masks where they belong. */
class FixtureDatasetsTest {

  private static List<TokenizedExample> buildAll(String file, ExampleSettings settings, HfTokenizer tok) {
    ExampleBuilder builder = new ExampleBuilder(settings, tok);
    List<TokenizedExample> out = new ArrayList<>();
    for (SourceRow row : FixtureRows.jsonArray(file)) {
      BuildResult r = builder.build(row);
      if (r instanceof BuildResult.Rejected rej) fail(row.location() + ": " + rej.rejection().reason() + " " + rej.rejection().detail());
      out.add(((BuildResult.Built) r).example());
    }
    return out;
  }

  private static void checkEach(List<TokenizedExample> examples, HfTokenizer tok, int endOfTurn, boolean bos) {
    Set<String> ids = new HashSet<>();
    for (TokenizedExample e : examples) {
      assertTrue(ids.add(e.exampleId()), "example ids are distinct");
      assertEquals(e.inputIds().length, e.labels().length);
      assertEquals(bos, e.inputIds()[0] == tok.bosId() && tok.bosId() >= 0);
      assertEquals(TokenizedExample.IGNORE, e.labels()[0], "the first token is never trained");
      int last = e.numTokens() - 1;
      while (e.labels()[last] == TokenizedExample.IGNORE) last--;
      assertEquals(endOfTurn, e.labels()[last], "the last trained token ends the turn");
      for (int i = 0; i < e.numTokens(); i++) {
        assertTrue(e.labels()[i] == TokenizedExample.IGNORE || e.labels()[i] == e.inputIds()[i], "labels are unshifted ids");
      }
      assertFalse(e.truncated());
    }
  }

  @Test
  void selfInstructAndGsm8kWithAlpacaAndTinyLlama() {
    HfTokenizer tok = TestTokenizers.tinyLlama();
    ExampleSettings s = ExampleSettings.of(RecordFormatName.ALPACA, TemplateName.ALPACA, 4096);
    List<TokenizedExample> selfInstruct = buildAll("self_instruct_seed_tasks_alpaca.json", s, tok);
    assertEquals(175, selfInstruct.size());
    checkEach(selfInstruct, tok, 2, true);
    List<TokenizedExample> gsm8k = buildAll("gsm8k_train_first300_alpaca.json", s, tok);
    assertEquals(300, gsm8k.size());
    checkEach(gsm8k, tok, 2, true);
    // The trained tokens decode to the answer followed by </s>.
    SourceRow first = FixtureRows.jsonArray("gsm8k_train_first300_alpaca.json").get(0);
    TokenizedExample e = gsm8k.get(0);
    int[] trained = java.util.Arrays.stream(e.labels()).filter(l -> l != TokenizedExample.IGNORE).toArray();
    assertEquals(first.fields().get("output") + "</s>", tok.decode(trained, false));
  }

  @Test
  void oasstWithChatmlAndQwen3() {
    HfTokenizer tok = TestTokenizers.qwen3();
    List<TokenizedExample> all = buildAll("oasst_en100_best_path_sharegpt.json", ExampleSettings.of(RecordFormatName.SHAREGPT, TemplateName.CHATML, 8192), tok);
    assertEquals(95, all.size());
    checkEach(all, tok, 151645, false);
  }

  @Test
  void oasstAllPathsWithChatmlAndTinyLlama() {
    HfTokenizer tok = TestTokenizers.tinyLlama();
    List<TokenizedExample> all = buildAll("oasst_en100_all_paths_sharegpt.json", ExampleSettings.of(RecordFormatName.SHAREGPT, TemplateName.CHATML, 16384), tok);
    assertEquals(547, all.size());
    // "<|im_end|>" is plain text to Llama; its last piece ">" closes every trained run.
    checkEach(all, tok, tok.tokenToId(">"), true);
  }

  @Test
  void oasstWithTinyLlamaZephyrTemplate() {
    HfTokenizer tok = TestTokenizers.tinyLlama();
    List<SourceRow> rows = FixtureRows.jsonArray("oasst_en100_best_path_sharegpt.json");
    List<TokenizedExample> all = buildAll("oasst_en100_best_path_sharegpt.json", ExampleSettings.of(RecordFormatName.SHAREGPT, TemplateName.TOKENIZER, 8192), tok);
    assertEquals(95, all.size());
    checkEach(all, tok, 2, true);
    // Per example: as many trained runs as assistant turns, each ending in </s>.
    for (int r = 0; r < rows.size(); r++) {
      long assistantTurns = ((List<?>) rows.get(r).fields().get("conversations")).stream()
          .filter(t -> "gpt".equals(((Map<?, ?>) t).get("from"))).count();
      int runs = 0;
      int[] labels = all.get(r).labels();
      for (int i = 0; i < labels.length; i++) {
        if (labels[i] != TokenizedExample.IGNORE && (i + 1 == labels.length || labels[i + 1] == TokenizedExample.IGNORE)) {
          runs++;
          assertEquals(2, labels[i]);
        }
      }
      assertEquals(assistantTurns, runs, rows.get(r).location());
    }
  }
}
