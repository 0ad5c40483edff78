package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import nomoat.pipeline.data.RejectReason;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.data.TokenizedExample;
import nomoat.pipeline.shard.DatasetStats;
import nomoat.pipeline.shard.Manifest;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `nomoat report` rendered by headless Chromium: the charts have one point per step and the numbers of metrics.jsonl. */
@Tag("integration")
class ReportBrowserTest {
  static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
  @TempDir Path tmp;

  @Test
  void chromiumShowsEveryStepAndTheDataset() throws Exception {
    Path run = tmp.resolve("run"), data = tmp.resolve("prepared");
    Files.createDirectories(run);
    int steps = 60;
    StringBuilder metrics = new StringBuilder();
    Random rnd = new Random(4);
    List<Double> losses = new ArrayList<>();
    int evaluated = 0;
    for (int s = 1; s <= steps; s++) {
      double loss = 3.0 * Math.exp(-s / 25.0) + 0.5 + 0.05 * rnd.nextDouble();
      losses.add(loss);
      metrics.append(String.format(Locale.ROOT, "{\"step\":%d,\"epoch\":%.3f,\"loss\":%.6f,%s\"lr\":%.6g,\"grad_norm\":%.4f,\"trained_tokens\":%d,"
          + "\"tokens_per_s\":%.1f,\"padding_share\":%.3f,\"compute_s\":%.1f,\"coordination_s\":%.1f}%n", s, s / 30.0, loss,
          s % 10 == 0 ? String.format(Locale.ROOT, "\"val_loss\":%.6f,", loss + 0.1) : "", 2e-4 * Math.min(1, s / 10.0), 1 + rnd.nextDouble(),
          900 + s, 1800 + 100 * rnd.nextDouble(), 0.1, 400 + rnd.nextDouble() * 50, 20 + rnd.nextDouble() * 10));
      if (s % 10 == 0) evaluated++;
    }
    Files.writeString(run.resolve("metrics.jsonl"), metrics);
    Files.writeString(run.resolve("run.json"), "{\"config\":{\"train\":{\"data\":\"" + data.toUri() + "\"}},"
        + "\"compute\":{\"executor_core_s\":7200.0,\"gpu_s\":0,\"wall_s\":3700.5,\"driver_s\":120.0,\"tokens_trained\":2000000,"
        + "\"tokens_processed\":2500000,\"peak_executor_jvm_heap_bytes\":1073741824,\"peak_executor_rss_bytes\":null,\"attempts\":2},"
        + "\"cost\":{\"currency\":\"EUR\",\"total\":0.08,\"cpu\":0.08,\"gpu\":0,\"per_million_trained_tokens\":0.04}}");
    Files.writeString(run.resolve("generations.jsonl"), "{\"prompt\":\"Name a color.\",\"before\":\"Once upon a time\",\"after\":\"Blue.\"}\n");
    DatasetStats stats = new DatasetStats();
    for (int i = 0; i < 200; i++) {
      int n = 8 + rnd.nextInt(300);
      stats.recordExample(new TokenizedExample("e" + i, "si", new int[n], new int[n], false), i % 20 == 0 ? "validation" : "train");
    }
    for (int i = 0; i < 3; i++) stats.recordRejection(new Rejection("si", "line " + i, RejectReason.EMPTY_FIELD, "empty output", "{}"));
    stats.recordRejection(new Rejection("si", "line 9", RejectReason.TOO_LONG, "too long", "{}"));
    new Manifest(Manifest.SCHEMA_VERSION, "dev", Instant.now(), new Manifest.Tokenizer("tokenizer.json", "ab".repeat(32)), "alpaca", 512, false,
        new Manifest.Split(42, 0.05, null), Map.of("train", List.of(), "validation", List.of()), stats, Map.of())
        .write(new Configuration(), data.resolve("manifest.json").toUri().toString());

    CliTest.Run r = CliTest.run("report", "--run", run.toString());
    assertEquals(0, r.code(), r.err());
    Path html = run.resolve("report.html");
    assertTrue(Files.isRegularFile(html), r.out());
    String page = Files.readString(html);
    assertTrue(!page.contains("<script") && !page.contains("http://") && !page.contains("https://"), "self-contained, no JavaScript");

    String dom = chromium(tmp, "--dump-dom", html.toUri().toString());
    assertEquals(1, count(dom, "<svg data-metric=\"loss\""), "one loss chart");
    String lossChart = section(dom, "data-metric=\"loss\"");
    assertEquals(steps, count(lossChart, "<circle"), "a point per step");
    Matcher points = Pattern.compile("<polyline[^>]*points=\"([^\"]*)\"").matcher(lossChart);
    assertTrue(points.find(), "a polyline");
    assertEquals(steps, points.group(1).trim().split(" ").length, "polyline points");
    assertEquals(evaluated, count(section(dom, "data-metric=\"val_loss\""), "<circle"));
    for (String m : List.of("lr", "grad_norm", "tokens_per_s", "coordination_share"))
      assertEquals(steps, count(section(dom, "data-metric=\"" + m + "\""), "<circle"), m);
    // the numbers on the page are those of metrics.jsonl
    Matcher first = Pattern.compile("data-step=\"1\" data-value=\"([0-9.eE-]+)\"").matcher(lossChart);
    assertTrue(first.find());
    assertEquals(losses.get(0), Double.parseDouble(first.group(1)), 1e-6);
    assertTrue(dom.contains("data-key=\"steps\">" + steps + "<"), "step count shown");
    assertTrue(dom.contains(String.format(Locale.ROOT, "data-key=\"last_loss\">%.4g<", losses.get(steps - 1))), "last loss shown");
    assertTrue(dom.contains("data-reason=\"" + RejectReason.EMPTY_FIELD.code() + "\">3<"), "rejects by reason");
    assertTrue(dom.contains("data-key=\"examples\">200<"));
    assertTrue(dom.contains("Blue."), "generations");
    // what the run used and cost, from run.json
    assertTrue(dom.contains("data-key=\"executor_core_h\">2.000<"), "core-hours shown");
    assertTrue(dom.contains("data-key=\"cost_total\">0.080 EUR<"), "cost shown");
    assertTrue(dom.contains("data-key=\"cost_per_million_trained_tokens\">0.040 EUR<"), "cost per million trained tokens shown");
    assertTrue(dom.contains("data-key=\"attempts\">2<"), "attempts shown");
    assertTrue(dom.contains("data-key=\"peak_executor_jvm_heap_mib\">1024<"), "peak heap shown");
    long bars = count(section(dom, "data-chart=\"length_histogram\""), "<rect");
    assertEquals(stats.coarseHistogram().size(), bars);

    Path shot = Paths.get("target", "report.png").toAbsolutePath();
    Files.deleteIfExists(shot);
    chromium(tmp, "--screenshot=" + shot, "--window-size=1200,2000", html.toUri().toString());
    assertTrue(Files.size(shot) > 10_000, "screenshot kept at " + shot);
  }

  static long count(String s, String needle) {
    long n = 0;
    for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) n++;
    return n;
  }

  /** From the first occurrence of marker to the end of its svg. */
  static String section(String dom, String marker) {
    int start = dom.indexOf(marker);
    assertTrue(start >= 0, marker);
    int end = dom.indexOf("</svg>", start);
    return dom.substring(start, end < 0 ? dom.length() : end);
  }

  static String chromium(Path tmp, String... args) throws Exception {
    assertTrue(Files.isExecutable(CHROMIUM), "Debian's chromium is required (.ci/run installs it)");
    List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + Files.createTempDirectory(tmp, "chromium")));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(tmp, "chromium", ".out");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished");
    assertEquals(0, p.exitValue());
    return Files.readString(out);
  }
}
