package nomoat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/bench-engine --storage's table, from result files laid out as the script writes them. */
class StorageTableTest {
  @TempDir Path dir;

  private void write(String name, double tps, double rss, Long weightsBytes) throws Exception {
    Map<String, Object> run = new java.util.LinkedHashMap<>(Map.of("tokens_per_s_median", tps, "peak_rss_mib", rss,
        "foreign_cpu_share_during_run", 0.02));
    if (weightsBytes != null) run.put("weights_bytes", weightsBytes);
    new ObjectMapper().writeValue(dir.resolve(name).toFile(), Map.of("runs", List.of(run)));
  }

  @Test
  void rowsPerModeWithMediansMaxRssAndRatios() throws Exception {
    for (int r = 1; r <= 3; r++) {
      write("nomoat-B-qv-" + r + "-float32.json", 1000 + r * 10, 900 + r, 232L << 20);     // median 1020
      write("nomoat-B-qv-" + r + "-bfloat16.json", 900 + r * 10, 700, 116L << 20);       // median 920
      write("peer-B-qv-" + r + "-float32.json", 2000 + r * 100, 1500, null);             // median 2200
      write("peer-B-qv-" + r + "-bfloat16.json", 1000, 1600 - r, null);
    }
    List<StorageTable.Row> rows = StorageTable.rows(dir, List.of("B"), List.of("qv"), 3, List.of("float32", "bfloat16"));
    assertEquals(List.of("nomoat float32", "nomoat bfloat16", "pytorch float32", "pytorch bfloat16"),
        rows.stream().map(r -> r.side() + " " + r.storage()).toList());
    assertEquals(1020, rows.get(0).tokensPerS());
    assertEquals(903, rows.get(0).peakRssMib());
    assertEquals(116.0, rows.get(1).weightsMib());
    assertEquals(1599, rows.get(3).peakRssMib());

    String table = StorageTable.format(rows);
    String bf16 = table.lines().filter(l -> l.contains("nomoat") && l.contains("bfloat16")).findFirst().orElseThrow();
    assertTrue(bf16.contains(String.format(java.util.Locale.ROOT, "%.2fx", 920.0 / 1020)), table);
    assertTrue(bf16.contains(String.format(java.util.Locale.ROOT, "%.2fx", 920.0 / 2200)), table);
    assertTrue(bf16.contains("116 MiB"), table);
    String peer32 = table.lines().filter(l -> l.contains("pytorch") && l.contains("float32")).findFirst().orElseThrow();
    assertTrue(peer32.contains("1.00x") && peer32.contains(" - "), "no weights bytes from the peer: " + table);
  }

  @Test
  void aMissingRunNamesItsFile() throws Exception {
    write("nomoat-B-qv-1-float32.json", 1000, 900, 1L);
    var e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
        () -> StorageTable.rows(dir, List.of("B"), List.of("qv"), 1, List.of("float32")));
    assertTrue(e.getMessage().contains("peer-B-qv-1-float32.json"), e.getMessage());
  }
}
