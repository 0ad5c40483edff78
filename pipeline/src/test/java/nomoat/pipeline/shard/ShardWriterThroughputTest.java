package nomoat.pipeline.shard;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import nomoat.pipeline.data.TokenizedExample;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Measures the writer on 200k synthetic rows of ~200 tokens (the pipeline target is 100k tokens/s per core). */
@Tag("slow")
class ShardWriterThroughputTest {
  @TempDir Path tmp;

  @Test
  void writes200kRowsFasterThanThePipelineTarget() throws Exception {
    int rows = Integer.getInteger("nomoat.bench.rows", 200_000);
    Random rnd = new Random(3);
    ShardRow[] pool = new ShardRow[1024];
    for (int i = 0; i < pool.length; i++) {
      int len = 150 + rnd.nextInt(101);
      int[] ids = new int[len];
      int[] labels = new int[len];
      for (int t = 0; t < len; t++) {
        ids[t] = rnd.nextInt(32000);
        labels[t] = t < len / 3 ? TokenizedExample.IGNORE : ids[t];
      }
      pool[i] = new ShardRow(String.format("%016x", rnd.nextLong()), "alpaca", ids, labels, null, null);
    }
    for (String codec : System.getProperty("nomoat.bench.codecs", "auto").split(",")) {
      String uri = new org.apache.hadoop.fs.Path(tmp.resolve("bench-" + codec + ".parquet").toUri()).toString();
      long t0 = System.nanoTime();
      long tokens;
      try (ShardWriter w = ShardWriter.open(new Configuration(), uri, ShardWriter.Options.defaults().withCompression(codec))) {
        for (int i = 0; i < rows; i++) w.write(pool[i & 1023]);
        tokens = w.tokens();
      }
      double s = (System.nanoTime() - t0) / 1e9;
      long bytes = Files.size(tmp.resolve("bench-" + codec + ".parquet"));
      System.out.printf("shard writer [%s]: %d rows, %d tokens in %.2f s = %.0f rows/s, %.0f tokens/s, %.1f MB (%.2f bytes/token)%n",
          codec, rows, tokens, s, rows / s, tokens / s, bytes / 1e6, (double) bytes / tokens);
      assertTrue(tokens / s > 100_000, "writer slower than the 100k tokens/s pipeline target: " + tokens / s);

      long r0 = System.nanoTime();
      long readRows = 0;
      long readTokens = 0;
      try (ShardReader reader = ShardReader.open(new Configuration(), uri)) {
        while (reader.hasNext()) {
          readTokens += reader.next().numTokens();
          readRows++;
        }
      }
      double rs = (System.nanoTime() - r0) / 1e9;
      System.out.printf("shard reader [%s]: %d rows in %.2f s = %.0f rows/s, %.0f tokens/s%n", codec, readRows, rs, readRows / rs, readTokens / rs);
      assertEquals(rows, readRows);
      assertEquals(tokens, readTokens);
    }
  }
}
