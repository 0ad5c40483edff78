package nomoat.pipeline.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.function.LongSupplier;
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

  @Test
  void builderVersusRawEncode() {
    HfTokenizer tok = TestTokenizers.tinyLlama();
    List<SourceRow> rows = FixtureRows.jsonArray("self_instruct_seed_tasks_alpaca.json");
    ExampleBuilder alpaca = new ExampleBuilder(ExampleSettings.of("alpaca", "alpaca", 4096), tok);
    ExampleBuilder zephyr = new ExampleBuilder(new ExampleSettings("alpaca", java.util.Map.of(), "tokenizer", null, false, true, 4096, true), tok);
    String[] rowTexts = rows.stream().map(r -> r.fields().get("instruction") + "\n\n" + r.fields().get("input") + "\n\n" + r.fields().get("output")).toArray(String[]::new);
    String[] alpacaTexts = rows.stream().map(r -> alpaca.render(r).text()).toArray(String[]::new);
    String[] zephyrTexts = rows.stream().map(r -> zephyr.render(r).text()).toArray(String[]::new);
    int reps = 3;
    LongSupplier[] work = {
        () -> raw(tok, rowTexts, reps), () -> raw(tok, alpacaTexts, reps), () -> built(alpaca, rows, reps),
        () -> raw(tok, zephyrTexts, reps), () -> built(zephyr, rows, reps)};
    double[] best = new double[work.length];
    long[] tokens = new long[work.length];
    for (int round = 0; round < 4; round++) {
      for (int w = 0; w < work.length; w++) {
        long t0 = System.nanoTime();
        tokens[w] = work[w].getAsLong();
        double rate = tokens[w] / ((System.nanoTime() - t0) / 1e9);
        if (round > 0) best[w] = Math.max(best[w], rate); // round 0 warms up
      }
    }
    System.out.printf("raw DJL encode, row texts (instruction+input+output): %,.0f tokens/s%n", best[0]);
    System.out.printf("alpaca template: raw encode of rendered text %,.0f tokens/s; ExampleBuilder %,.0f tokens/s; builder time = %.2fx raw%n",
        best[1], best[2], best[1] / best[2]);
    System.out.printf("Zephyr (Jinja) template: raw encode of rendered text %,.0f tokens/s; ExampleBuilder %,.0f tokens/s; builder time = %.2fx raw%n",
        best[3], best[4], best[3] / best[4]);
    assertEquals(tokens[1] + (long) reps * rows.size(), tokens[2], "the builder adds exactly one BOS per row to the rendered text's tokens");
  }

  private static long raw(HfTokenizer tok, String[] texts, int reps) {
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
