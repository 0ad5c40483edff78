package nomoat.pipeline.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.cost.Prices;
import nomoat.pipeline.shard.DatasetStats;
import nomoat.pipeline.shard.Manifest;

/**
 * A training run as one self-contained HTML page: inline CSS and SVG charts (no network, no JavaScript). Each chart
 * is an {@code <svg data-metric=...>} with one polyline and one {@code <circle>} per step (its {@code <title>} holds
 * the step and the value), so a browser test can count points and read values.
 */
public final class RunReport {
  private RunReport() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One metrics.jsonl line; absent values are NaN. */
  public record Step(long step, double epoch, double loss, double valLoss, double lr, double gradNorm, double tokensPerSecond,
                     double paddingShare, double coordinationShare) {}

  /** A before/after generation from an evaluate output. */
  public record Generation(String prompt, String before, String after) {}

  /** Parses metrics.jsonl; one line naming the file and line on a bad row. */
  public static List<Step> parseMetrics(String where, String text) {
    List<Step> steps = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].isBlank()) continue;
      JsonNode n;
      try {
        n = JSON.readTree(lines[i]);
      } catch (IOException e) {
        throw NomoatException.inputData(where + ":" + (i + 1) + " is not JSON");
      }
      if (n == null || !n.isObject() || !n.path("step").canConvertToLong())
        throw NomoatException.inputData(where + ":" + (i + 1) + ": expected an object with an integer \"step\"");
      double compute = num(n, "compute_s"), coord = num(n, "coordination_s");  // as train's StepRecord writes them
      double share = num(n, "coordination_share");
      if (Double.isNaN(share) && !Double.isNaN(compute) && !Double.isNaN(coord) && compute + coord > 0) share = coord / (compute + coord);
      steps.add(new Step(n.get("step").asLong(), num(n, "epoch"), num(n, "loss"), num(n, "val_loss"), num(n, "lr"), num(n, "grad_norm"),
          num(n, "tokens_per_s"), num(n, "padding_share"), share));
    }
    return steps;
  }

  private static double num(JsonNode n, String... names) {
    for (String k : names) if (n.path(k).isNumber()) return n.get(k).asDouble();
    return Double.NaN;
  }

  /** run.json's "compute" (what the run used) and "cost" (null when no prices were set) objects. */
  public record Compute(JsonNode compute, JsonNode cost) {
    /** From run.json's text; null when it has no "compute" object (a run from before accounting). */
    public static Compute fromRunJson(String where, String runJson) {
      JsonNode n;
      try {
        n = JSON.readTree(runJson);
      } catch (IOException e) {
        throw NomoatException.inputData(where + " is not JSON");
      }
      if (n == null || !n.path("compute").isObject()) return null;
      return new Compute(n.get("compute"), n.path("cost").isObject() ? n.get("cost") : null);
    }
  }

  /** The page. manifest and generations may be null / empty. */
  public static String html(String title, List<Step> steps, Manifest manifest, List<Generation> generations) {
    return html(title, steps, manifest, generations, null);
  }

  /** The page with a "Compute and cost" section when {@code compute} is not null. */
  public static String html(String title, List<Step> steps, Manifest manifest, List<Generation> generations, Compute compute) {
    StringBuilder h = new StringBuilder(64 << 10);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title>\n<style>")
        .append("body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1120px}h1{font-size:22px}h2{font-size:17px;margin-top:28px}")
        .append(".grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}.card{border:1px solid #ddd;border-radius:6px;padding:8px}")
        .append("svg{width:100%;height:auto;background:#fff}.axis{stroke:#999;stroke-width:1}.lbl{font-size:11px;fill:#555}")
        .append("polyline{fill:none;stroke-width:1.8}circle{stroke:none}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}")
        .append("dl.summary{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dd{margin:0}pre{white-space:pre-wrap;margin:0}")
        .append("</style></head><body>\n<h1>").append(esc(title)).append("</h1>\n");
    summary(h, steps);
    h.append("<h2>Training</h2>\n<div class=\"grid\">\n");
    chart(h, "loss", "Training loss", steps, Step::loss, "#1f77b4");
    chart(h, "val_loss", "Validation loss", steps, Step::valLoss, "#d62728");
    chart(h, "lr", "Learning rate", steps, Step::lr, "#2ca02c");
    chart(h, "grad_norm", "Gradient norm (before clipping)", steps, Step::gradNorm, "#9467bd");
    chart(h, "tokens_per_s", "Trained tokens / s", steps, Step::tokensPerSecond, "#ff7f0e");
    chart(h, "coordination_share", "Coordination share of step time", steps, Step::coordinationShare, "#8c564b");
    h.append("</div>\n");
    if (compute != null) compute(h, compute);
    if (manifest != null) dataset(h, manifest);
    if (!generations.isEmpty()) {
      h.append("<h2>Generations</h2>\n<table class=\"generations\"><tr><th>prompt</th><th>before</th><th>after</th></tr>\n");
      for (Generation g : generations)
        h.append("<tr><td><pre>").append(esc(g.prompt())).append("</pre></td><td><pre>").append(esc(g.before())).append("</pre></td><td><pre>")
            .append(esc(g.after())).append("</pre></td></tr>\n");
      h.append("</table>\n");
    }
    return h.append("</body></html>\n").toString();
  }

  private static void summary(StringBuilder h, List<Step> steps) {
    h.append("<dl class=\"summary\">");
    item(h, "steps", Integer.toString(steps.size()));
    if (!steps.isEmpty()) {
      Step first = steps.get(0), last = steps.get(steps.size() - 1);
      item(h, "first_loss", fmt(first.loss()));
      item(h, "last_loss", fmt(last.loss()));
      double val = Double.NaN;
      for (Step s : steps) if (!Double.isNaN(s.valLoss())) val = s.valLoss();
      item(h, "last_val_loss", fmt(val));
    }
    h.append("</dl>\n");
  }

  private static void item(StringBuilder h, String key, String value) {
    h.append("<dt>").append(key.replace('_', ' ')).append("</dt><dd data-key=\"").append(key).append("\">").append(esc(value)).append("</dd>");
  }

  interface Metric { double of(Step s); }

  static final int W = 540, H = 260, L = 64, R = 12, T = 12, B = 36;

  private static void chart(StringBuilder h, String key, String title, List<Step> steps, Metric m, String color) {
    List<long[]> idx = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (Step s : steps) if (!Double.isNaN(m.of(s)) && !Double.isInfinite(m.of(s))) { idx.add(new long[] {s.step()}); ys.add(m.of(s)); }
    h.append("<div class=\"card\"><h3>").append(esc(title)).append("</h3>");
    if (ys.isEmpty()) {
      h.append("<p class=\"empty\" data-metric=\"").append(key).append("\">no values in metrics.jsonl</p></div>\n");
      return;
    }
    double x0 = idx.get(0)[0], x1 = idx.get(idx.size() - 1)[0];
    double y0 = ys.stream().mapToDouble(Double::doubleValue).min().orElse(0), y1 = ys.stream().mapToDouble(Double::doubleValue).max().orElse(1);
    if (x1 == x0) x1 = x0 + 1;
    if (y1 == y0) { y1 = y0 + Math.max(1e-9, Math.abs(y0) * 0.05); y0 = y0 - (y1 - y0); }
    h.append("<svg data-metric=\"").append(key).append("\" viewBox=\"0 0 ").append(W).append(' ').append(H).append("\" role=\"img\">");
    h.append("<line class=\"axis\" x1=\"").append(L).append("\" y1=\"").append(H - B).append("\" x2=\"").append(W - R).append("\" y2=\"").append(H - B).append("\"/>");
    h.append("<line class=\"axis\" x1=\"").append(L).append("\" y1=\"").append(T).append("\" x2=\"").append(L).append("\" y2=\"").append(H - B).append("\"/>");
    for (int i = 0; i <= 4; i++) {
      double v = y0 + (y1 - y0) * i / 4;
      double y = py(v, y0, y1);
      h.append("<text class=\"lbl\" x=\"").append(L - 4).append("\" y=\"").append(f(y + 4)).append("\" text-anchor=\"end\">").append(fmt(v)).append("</text>");
    }
    h.append("<text class=\"lbl\" x=\"").append(L).append("\" y=\"").append(H - B + 16).append("\">").append((long) x0).append("</text>");
    h.append("<text class=\"lbl\" x=\"").append(W - R).append("\" y=\"").append(H - B + 16).append("\" text-anchor=\"end\">").append((long) x1).append("</text>");
    h.append("<text class=\"lbl\" x=\"").append((L + W - R) / 2).append("\" y=\"").append(H - 6).append("\" text-anchor=\"middle\">step</text>");
    StringBuilder pts = new StringBuilder(), dots = new StringBuilder();
    double r = ys.size() > 200 ? 1.2 : 2.5;
    for (int i = 0; i < ys.size(); i++) {
      double x = px(idx.get(i)[0], x0, x1), y = py(ys.get(i), y0, y1);
      pts.append(i == 0 ? "" : " ").append(f(x)).append(',').append(f(y));
      dots.append("<circle cx=\"").append(f(x)).append("\" cy=\"").append(f(y)).append("\" r=\"").append(r).append("\" fill=\"").append(color)
          .append("\" data-step=\"").append(idx.get(i)[0]).append("\" data-value=\"").append(ys.get(i)).append("\"><title>step ")
          .append(idx.get(i)[0]).append(": ").append(fmt(ys.get(i))).append("</title></circle>");
    }
    h.append("<polyline stroke=\"").append(color).append("\" points=\"").append(pts).append("\"/>").append(dots).append("</svg></div>\n");
  }

  private static void compute(StringBuilder h, Compute c) {
    JsonNode u = c.compute();
    h.append("<h2>Compute and cost</h2>\n<dl class=\"summary compute\">");
    item(h, "executor_core_h", fmt(u.path("executor_core_s").asDouble(Double.NaN) / 3600));
    if (u.path("gpu_s").asDouble(0) > 0) item(h, "gpu_h", fmt(u.get("gpu_s").asDouble() / 3600));
    if (u.path("driver_core_s").asDouble(0) > 0) item(h, "driver_core_h", fmt(u.get("driver_core_s").asDouble() / 3600));
    item(h, "wall_s", fmt(u.path("wall_s").asDouble(Double.NaN)));
    item(h, "driver_s_outside_jobs", fmt(u.path("driver_s").asDouble(Double.NaN)));
    item(h, "tokens_trained", Long.toString(u.path("tokens_trained").asLong()));
    item(h, "tokens_processed", Long.toString(u.path("tokens_processed").asLong()));
    if (u.path("peak_executor_rss_bytes").isNumber()) item(h, "peak_executor_rss_mib", fmt(u.get("peak_executor_rss_bytes").asDouble() / 1048576));
    if (u.path("peak_executor_jvm_heap_bytes").isNumber())
      item(h, "peak_executor_jvm_heap_mib", fmt(u.get("peak_executor_jvm_heap_bytes").asDouble() / 1048576));
    item(h, "attempts", Integer.toString(u.path("attempts").asInt(1)));
    if (c.cost() != null) {
      String currency = c.cost().path("currency").asText("USD");
      item(h, "cost_total", Prices.money(c.cost().path("total").asDouble(), currency));
      if (c.cost().path("per_million_trained_tokens").isNumber())
        item(h, "cost_per_million_trained_tokens", Prices.money(c.cost().get("per_million_trained_tokens").asDouble(), currency));
    } else {
      item(h, "cost_total", "not priced (set cost.cpu-core-hour / cost.gpu-hour)");
    }
    h.append("</dl>\n");
  }

  private static void dataset(StringBuilder h, Manifest m) {
    DatasetStats st = m.stats();
    h.append("<h2>Dataset</h2>\n<dl class=\"summary\">");
    item(h, "examples", Long.toString(st.examples()));
    item(h, "template", m.template());
    item(h, "length_p50", Integer.toString(st.lengthPercentile(50)));
    item(h, "length_p95", Integer.toString(st.lengthPercentile(95)));
    item(h, "length_max", Integer.toString(st.maxLength()));
    item(h, "rejected", Long.toString(st.rejected()));
    h.append("</dl>\n<div class=\"grid\"><div class=\"card\"><h3>Example length (tokens)</h3>");
    List<DatasetStats.Bucket> buckets = st.coarseHistogram();
    long max = buckets.stream().mapToLong(DatasetStats.Bucket::count).max().orElse(1);
    int bw = Math.max(4, (W - L - R) / Math.max(1, buckets.size()));
    h.append("<svg data-chart=\"length_histogram\" viewBox=\"0 0 ").append(W).append(' ').append(H).append("\" role=\"img\">");
    for (int i = 0; i < buckets.size(); i++) {
      DatasetStats.Bucket b = buckets.get(i);
      double bh = (H - T - B) * (double) b.count() / Math.max(1, max);
      h.append("<rect x=\"").append(L + i * bw + 1).append("\" y=\"").append(f(H - B - bh)).append("\" width=\"").append(bw - 2).append("\" height=\"")
          .append(f(bh)).append("\" fill=\"#1f77b4\" data-count=\"").append(b.count()).append("\"><title>").append(b.min()).append("–")
          .append(b.maxExclusive() - 1).append(": ").append(b.count()).append("</title></rect>");
      h.append("<text class=\"lbl\" x=\"").append(L + i * bw + bw / 2).append("\" y=\"").append(H - B + 14).append("\" text-anchor=\"middle\">")
          .append(b.min()).append("</text>");
    }
    h.append("</svg></div>\n<div class=\"card\"><h3>Rejected rows by reason</h3><table class=\"rejects\"><tr><th>reason</th><th>rows</th></tr>");
    Map<String, Long> rejects = new LinkedHashMap<>(st.rejectedByReason());
    if (rejects.isEmpty()) h.append("<tr><td colspan=\"2\">none</td></tr>");
    rejects.forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td data-reason=\"").append(esc(k)).append("\">").append(v).append("</td></tr>"));
    h.append("</table></div></div>\n");
  }

  private static double px(double x, double x0, double x1) { return L + (W - L - R) * (x - x0) / (x1 - x0); }

  private static double py(double y, double y0, double y1) { return H - B - (H - T - B) * (y - y0) / (y1 - y0); }

  private static String f(double v) { return String.format(Locale.ROOT, "%.1f", v); }

  static String fmt(double v) {
    if (Double.isNaN(v)) return "–";
    double a = Math.abs(v);
    return a != 0 && (a < 1e-3 || a >= 1e5) ? String.format(Locale.ROOT, "%.3g", v) : String.format(Locale.ROOT, "%.4g", v);
  }

  static String esc(String s) {
    if (s == null) return "";
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
