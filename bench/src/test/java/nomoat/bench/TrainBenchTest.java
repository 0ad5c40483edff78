package nomoat.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import nomoat.pipeline.shard.ShardReader;
import nomoat.pipeline.shard.ShardRow;
import nomoat.pipeline.train.TrainInputs;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts of bench train that are not timings: its generated prepare output and its coordination cost model. */
class TrainBenchTest {
  @TempDir Path tmp;

  @Test
  void costModelRecoversKnownCoefficientsAndStaysNonNegative() {
    // 10 ms fixed, 3 ms per task, 2 ms per MB, 0.5 ms per MB per task
    List<TrainBench.Coordination> cells = new ArrayList<>();
    for (int p : new int[] {2, 4, 8})
      for (double mb : new double[] {0.6, 16.8}) cells.add(cell(mb, p, 10 + 3 * p + 2 * mb + 0.5 * mb * p));
    TrainBench.CostModel m = TrainBench.fit(cells, 5);
    assertEquals(10, m.fixedMs(), 1e-6);
    assertEquals(3, m.perTaskMs(), 1e-6);
    assertEquals(2, m.perMbMs(), 1e-6);
    assertEquals(0.5, m.perMbPerTaskMs(), 1e-6);
    assertEquals(10 + 3 * 64 + 2 * 26.2 + 0.5 * 26.2 * 64, m.predictMs(26.2, 64), 1e-6);
    assertFalse(m.fittedFrom().contains("x 8"), "cells with a tree level stay out: " + m.fittedFrom());

    // noise that an unconstrained fit would turn into a negative per-task cost
    List<TrainBench.Coordination> noisy = List.of(cell(0.6, 2, 100), cell(0.6, 4, 60), cell(16.8, 2, 800), cell(16.8, 4, 900));
    TrainBench.CostModel n = TrainBench.fit(noisy, 5);
    for (double c : new double[] {n.fixedMs(), n.perTaskMs(), n.perMbMs(), n.perMbPerTaskMs()}) assertTrue(c >= 0, n.toString());
  }

  @Test
  void generatedDataIsACommittedPrepareOutputTrainAccepts() {
    Configuration conf = new Configuration();
    Path tokenizer = Path.of(System.getProperty("nomoat.fixtures", "../../shared/fixtures")).resolve("tokenizers/tinyllama-1.1b-chat-v1.0");   // as pipeline's Fixtures
    String data = TrainBench.writePrepared(conf, tmp.resolve("prepared"), tokenizer, 32000, 10, 16, 2, 7);
    TrainInputs in = TrainInputs.openData(conf, data);
    assertEquals(10, in.trainRowCount());
    assertEquals(2, in.trainShards().size());
    List<ShardRow> rows = new ArrayList<>();
    for (String s : in.trainShards()) rows.addAll(ShardReader.readAll(conf, s));
    assertEquals(10, rows.size());
    for (ShardRow r : rows) {
      assertEquals(16, r.numTrainedTokens());
      for (int id : r.inputIds()) assertTrue(id >= 0 && id < 32000);
    }
  }

  private static TrainBench.Coordination cell(double mb, int p, double ms) {
    return new TrainBench.Coordination("local[2]", "x", (long) (mb * 250_000), mb, p, 5, ms, 0, ms, ms, 0, ms, ms);
  }
}
