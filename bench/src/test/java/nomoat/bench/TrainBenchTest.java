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

  @Test
  void estimateReadsTheStepCostThatJsonOutWrites() throws Exception {
    TrainBench.Overhead o = new TrainBench.Overhead("local[2]", "B", 4, 2, 2, 2, 1, 8, List.of(), 800, 780, 0.97,
        List.of(0.97), 0.97, 1.26, 0.054, 1.25, 1.31);
    java.util.Map<String, Object> result = new java.util.LinkedHashMap<>();
    result.put("overhead", o);
    result.put("coordination", java.util.Map.of("local", List.of(cell(0.62, 2, 75.5))));   // a cell's step_ms: its whole step
    result.put("cost_model", java.util.Map.of("local", new TrainBench.CostModel("local[2]", 16.8, 8.78, 11.99, 0.17, "cells")));
    byte[] json = TrainBenchCommand.jsonWriter().writeValueAsBytes(result);
    nomoat.pipeline.estimate.Coordination c = nomoat.pipeline.estimate.Coordination.fromBenchJson("bt.json", json,
        new nomoat.pipeline.estimate.Coordination(65, 4.6, 2, "defaults"));
    assertEquals(54, c.stepMs(), 1e-9, new String(json));
    assertEquals(11.99, c.perMbMs(), 1e-9);
    assertEquals(8.78, c.perTaskMs(), 1e-9);
  }

  private static TrainBench.Coordination cell(double mb, int p, double ms) {
    return new TrainBench.Coordination("local[2]", "x", (long) (mb * 250_000), mb, p, 5, ms, 0, ms, ms, 0, ms, ms, 0);
  }
}
