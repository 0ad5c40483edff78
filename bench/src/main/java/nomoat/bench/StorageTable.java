package nomoat.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The per-storage-mode table of {@code bin/bench-engine --storage}: for each (config, targets), one row per nomoat
 * storage mode and per PyTorch base dtype (float32, bfloat16 under CPU autocast), with tokens/s (median over rounds),
 * the ratio to nomoat FP32 and to PyTorch FP32, the weights' bytes and peak RSS (max over rounds). Reads the JSON files
 * the script's runs wrote: {@code nomoat-C-T-R-MODE.json} ({@link EngineBench}) and {@code peer-C-T-R-DTYPE.json}
 * (peer_bench.py).
 */
final class StorageTable {
  private StorageTable() {}

  /** The PyTorch peer's base dtypes, each run beside the nomoat modes. */
  static final List<String> PEER_DTYPES = List.of("float32", "bfloat16");

  /** One row: who ran it, its storage, the medians. */
  record Row(String config, String targets, String side, String storage, double tokensPerS, double peakRssMib,
             Double weightsMib, double foreignShare) {}

  /** argv: OUT_DIR CONFIGS TARGETS ROUNDS MODES [JSON_OUT] (lists comma-separated); prints the table. */
  public static void main(String[] argv) throws IOException {
    if (argv.length < 5) throw new IllegalArgumentException("usage: StorageTable OUT_DIR CONFIGS TARGETS ROUNDS MODES [JSON_OUT]");
    List<Row> rows = rows(Path.of(argv[0]), List.of(argv[1].split(",")), List.of(argv[2].split(",")),
        Integer.parseInt(argv[3]), List.of(argv[4].split(",")));
    System.out.print(format(rows));
    if (argv.length > 5 && !argv[5].isEmpty()) new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(new File(argv[5]), rows);
  }

  static List<Row> rows(Path dir, List<String> configs, List<String> targets, int rounds, List<String> modes) throws IOException {
    List<Row> out = new ArrayList<>();
    for (String c : configs)
      for (String t : targets) {
        for (String m : modes) out.add(row(dir, c, t, rounds, "nomoat", m));
        for (String d : PEER_DTYPES) out.add(row(dir, c, t, rounds, "pytorch", d));
      }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Row row(Path dir, String c, String t, int rounds, String side, String storage) throws IOException {
    double[] tps = new double[rounds];
    double rss = 0, foreign = 0;
    Double weights = null;
    for (int r = 1; r <= rounds; r++) {
      File f = dir.resolve((side.equals("nomoat") ? "nomoat" : "peer") + "-" + c + "-" + t + "-" + r + "-" + storage + ".json").toFile();
      Map<String, Object> json = new ObjectMapper().readValue(f, LinkedHashMap.class);
      Map<String, Object> run = ((List<Map<String, Object>>) json.get("runs")).get(0);
      tps[r - 1] = num(run, "tokens_per_s_median");
      rss = Math.max(rss, num(run, "peak_rss_mib"));
      foreign = Math.max(foreign, run.containsKey("foreign_cpu_share_during_run") ? num(run, "foreign_cpu_share_during_run") : 0);
      if (run.get("weights_bytes") instanceof Number n) weights = n.doubleValue() / (1 << 20);
    }
    return new Row(c, t, side, storage, Stats.median(tps), rss, weights, foreign);
  }

  private static double num(Map<String, Object> m, String key) { return ((Number) m.get(key)).doubleValue(); }

  /** The table; ratios are against the same (config, targets)' nomoat float32 and PyTorch float32 rows (blank if absent). */
  static String format(List<Row> rows) {
    StringBuilder sb = new StringBuilder();
    String hdr = String.format(Locale.ROOT, "%-4s%-6s%-9s%-10s%10s%11s%12s%11s%12s%10s", "cfg", "LoRA", "side", "storage",
        "tok/s", "/nomoat32", "/pytorch32", "weights", "peak RSS", "busy");
    sb.append(hdr).append('\n').append("-".repeat(hdr.length())).append('\n');
    for (Row r : rows) {
      Double n32 = find(rows, r, "nomoat"), p32 = find(rows, r, "pytorch");
      sb.append(String.format(Locale.ROOT, "%-4s%-6s%-9s%-10s%10.0f%11s%12s%11s%8.0f MiB%9.0f%%%n", r.config(), r.targets(), r.side(),
          r.storage(), r.tokensPerS(), ratio(r.tokensPerS(), n32), ratio(r.tokensPerS(), p32),
          r.weightsMib() == null ? "-" : String.format(Locale.ROOT, "%.0f MiB", r.weightsMib()), r.peakRssMib(), 100 * r.foreignShare()));
    }
    return sb.toString();
  }

  private static Double find(List<Row> rows, Row like, String side) {
    for (Row r : rows)
      if (r.side().equals(side) && r.storage().equals("float32") && r.config().equals(like.config()) && r.targets().equals(like.targets()))
        return r.tokensPerS();
    return null;
  }

  private static String ratio(double x, Double base) {
    return base == null ? "-" : String.format(Locale.ROOT, "%.2fx", x / base);
  }
}
