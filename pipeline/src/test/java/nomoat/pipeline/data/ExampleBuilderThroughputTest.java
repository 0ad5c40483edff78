package nomoat.pipeline.data;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import nomoat.pipeline.data.record.RecordFormatName;
import nomoat.pipeline.data.template.TemplateName;
import nomoat.pipeline.testing.Fixtures;
import nomoat.pipeline.tokenize.HfTokenizer;
import nomoat.pipeline.tokenize.TestTokenizers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Builder throughput against raw DJL tokenization of the same token streams (self-instruct rows, repeated),
 * one thread. Rounds are interleaved and the best of each kept, because the machine is shared. Prints the
 * numbers; asserts only that work was done.
 */
@Tag("slow")
class ExampleBuilderThroughputTest {
  // -Dnomoat.bench.rounds=12 for steadier numbers (the first round only warms up)
  private static final int ROUNDS = Integer.getInteger("nomoat.bench.rounds", 4);

  @Test
  void builderVersusRawEncode() throws java.io.IOException {
    HfTokenizer tok = TestTokenizers.tinyLlama();
    List<SourceRow> rows = FixtureRows.jsonArray("self_instruct_seed_tasks_alpaca.json");
    ExampleBuilder alpaca = new ExampleBuilder(ExampleSettings.of(RecordFormatName.ALPACA, TemplateName.ALPACA, 4096), tok);
    ExampleBuilder zephyr = new ExampleBuilder(new ExampleSettings(RecordFormatName.ALPACA, java.util.Map.of(), TemplateName.TOKENIZER, null, false, true, 4096, true), tok);
    String[] rowTexts = rows.stream().map(r -> r.fields().get("instruction") + "\n\n" + r.fields().get("input") + "\n\n" + r.fields().get("output")).toArray(String[]::new);
    String[] alpacaTexts = rows.stream().map(r -> alpaca.render(r).text()).toArray(String[]::new);
    String[] zephyrTexts = rows.stream().map(r -> zephyr.render(r).text()).toArray(String[]::new);
    HuggingFaceTokenizer djl = HuggingFaceTokenizer.newInstance(Fixtures.tokenizerDir("tinyllama-1.1b-chat-v1.0").resolve("tokenizer.json"),
        Map.of("padding", "false", "truncation", "false"));
    int reps = 3;
    LongSupplier[] work = {
        () -> djl(djl, rowTexts, reps), () -> djl(djl, alpacaTexts, reps), () -> built(alpaca, rows, reps),
        () -> djl(djl, zephyrTexts, reps), () -> built(zephyr, rows, reps), () -> ids(tok, alpacaTexts, reps)};
    double[] best = new double[work.length];
    long[] tokens = new long[work.length];
    for (int round = 0; round < ROUNDS; round++) {
      for (int w = 0; w < work.length; w++) {
        long t0 = System.nanoTime();
        tokens[w] = work[w].getAsLong();
        double rate = tokens[w] / ((System.nanoTime() - t0) / 1e9);
        if (round > 0) best[w] = Math.max(best[w], rate); // round 0 warms up
      }
    }
    System.out.printf("DJL encode, row texts (instruction+input+output): %,.0f tokens/s%n", best[0]);
    System.out.printf("HfTokenizer.encodeIds (ids only, no offsets), alpaca-rendered texts: %,.0f tokens/s%n", best[5]);
    System.out.printf("alpaca template: DJL encode of rendered text %,.0f tokens/s; ExampleBuilder %,.0f tokens/s; builder time = %.2fx raw%n",
        best[1], best[2], best[1] / best[2]);
    System.out.printf("Zephyr (Jinja) template: DJL encode of rendered text %,.0f tokens/s; ExampleBuilder %,.0f tokens/s; builder time = %.2fx raw%n",
        best[3], best[4], best[3] / best[4]);
    assertEquals(tokens[1] + (long) reps * rows.size(), tokens[2], "the builder adds exactly one BOS per row to the rendered text's tokens");
    djl.close();
  }

  private static long djl(HuggingFaceTokenizer djl, String[] texts, int reps) {
    long n = 0;
    for (int r = 0; r < reps; r++) for (String t : texts) n += djl.encode(t, false, false).getIds().length;
    return n;
  }

  private static long ids(HfTokenizer tok, String[] texts, int reps) {
    long n = 0;
    for (int r = 0; r < reps; r++) for (String t : texts) n += tok.encodeIds(t, false).length;
    return n;
  }

  private static long built(ExampleBuilder builder, List<SourceRow> rows, int reps) {
    long n = 0;
    for (int r = 0; r < reps; r++) for (SourceRow row : rows) n += ((BuildResult.Built) builder.build(row)).example().numTokens();
    return n;
  }
}
