package nomoat.pipeline.cost;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What a stage prints and records about its compute and cost, at given prices (which may be unset). */
public final class RunCost {
  private final Prices prices;

  public RunCost(Prices prices) {
    this.prices = prices == null ? Prices.NONE : prices;
  }

  public Prices prices() { return prices; }

  /**
   * The progress line's tail: " | cost 0.012 USD, projected 1.23 USD" when priced, else the resources:
   * " | 0.0100 core-h, projected 0.450 core-h". {@code atFirstStep} is the usage when this attempt's first step began.
   */
  public String progress(ComputeUsage now, ComputeUsage atFirstStep, long stepsThisAttempt, long stepsRemaining) {
    Bill bill = prices.bill(now), first = prices.bill(atFirstStep);
    if (bill != null && first != null)
      return " | cost " + prices.money(bill.total()) + ", projected "
          + prices.money(Bill.project(bill.total(), first.total(), stepsThisAttempt, stepsRemaining));
    double core = now.pricedCoreSeconds() / 3600, core0 = atFirstStep.pricedCoreSeconds() / 3600;
    String s = String.format(Locale.ROOT, " | %s core-h, projected %s core-h", hours(core),
        hours(Bill.project(core, core0, stepsThisAttempt, stepsRemaining)));
    if (now.gpuSeconds() > 0) {
      double g = now.gpuSeconds() / 3600, g0 = atFirstStep.gpuSeconds() / 3600;
      s += String.format(Locale.ROOT, ", %s GPU-h, projected %s GPU-h", hours(g), hours(Bill.project(g, g0, stepsThisAttempt, stepsRemaining)));
    }
    return s;
  }

  /** run.json's "compute", "prices" and "cost" (null when unpriced) entries. */
  public Map<String, Object> runJson(ComputeUsage total) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("compute", total.toMap());
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("cpu_core_hour", prices.cpuCoreHour());
    p.put("gpu_hour", prices.gpuHour());
    p.put("currency", prices.currency());
    m.put("prices", p);
    Bill bill = prices.bill(total);
    m.put("cost", bill == null ? null : bill.toMap());
    return m;
  }

  /** One console line after the run: resources, and the money when priced. */
  public String summary(ComputeUsage total) {
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "compute: %s executor core-h", hours(total.executorCoreSeconds() / 3600)));
    if (total.gpuSeconds() > 0) s.append(String.format(Locale.ROOT, ", %s GPU-h", hours(total.gpuSeconds() / 3600)));
    if (total.driverCoreSeconds() > 0) s.append(String.format(Locale.ROOT, ", %s driver core-h", hours(total.driverCoreSeconds() / 3600)));
    s.append(String.format(Locale.ROOT, ", wall %.1f s (driver outside jobs %.1f s), %,d tokens trained", total.wallSeconds(),
        total.driverSeconds(), total.tokensTrained()));
    if (total.peakExecutorRssBytes() > 0) s.append(String.format(Locale.ROOT, ", peak executor RSS %.0f MiB", total.peakExecutorRssBytes() / 1048576.0));
    else if (total.peakExecutorHeapBytes() > 0) s.append(String.format(Locale.ROOT, ", peak executor heap %.0f MiB", total.peakExecutorHeapBytes() / 1048576.0));
    Bill bill = prices.bill(total);
    if (bill != null) {
      s.append("; cost ").append(prices.money(bill.total()));
      if (bill.perMillionTrainedTokens() != null) s.append(" (").append(prices.money(bill.perMillionTrainedTokens())).append(" per million trained tokens)");
    } else if (!prices.any()) {
      s.append("; no prices set (cost.cpu-core-hour, cost.gpu-hour)");
    }
    return s.toString();
  }

  static String hours(double h) {
    return String.format(Locale.ROOT, h >= 100 ? "%,.0f" : h >= 1 ? "%.2f" : "%.4f", h);
  }
}
