package nomoat.pipeline.cost;

import java.util.Locale;

/**
 * What compute costs: per CPU core-hour and per GPU-hour, in {@code currency}. A null price means "not set": then
 * only resources are reported (a run with GPU-seconds but no GPU price, or core-seconds but no core price, is not
 * priced at all rather than priced low).
 */
public record Prices(Double cpuCoreHour, Double gpuHour, String currency) {

  public static final Prices NONE = new Prices(null, null, "USD");

  public Prices {
    if (cpuCoreHour != null && !(cpuCoreHour >= 0)) throw new IllegalArgumentException("cpu-core-hour must be >= 0");
    if (gpuHour != null && !(gpuHour >= 0)) throw new IllegalArgumentException("gpu-hour must be >= 0");
    currency = currency == null || currency.isBlank() ? "USD" : currency;
  }

  public boolean any() { return cpuCoreHour != null || gpuHour != null; }

  /** The cost of {@code usage}, or null when a resource it used has no price. */
  public Bill bill(ComputeUsage usage) {
    if (!any()) return null;
    double cores = usage.pricedCoreSeconds(), gpus = usage.gpuSeconds();
    if (cores > 0 && cpuCoreHour == null || gpus > 0 && gpuHour == null) return null;
    double cpu = cpuCoreHour == null ? 0 : cores / 3600 * cpuCoreHour, gpu = gpuHour == null ? 0 : gpus / 3600 * gpuHour;
    return new Bill(cpu + gpu, cpu, gpu, currency, usage.tokensTrained());
  }

  /** "12.34 USD", with as many decimals as a small amount needs. */
  public static String money(double amount, String currency) {
    double a = Math.abs(amount);
    String f = a >= 100 ? "%,.0f" : a >= 1 ? "%.2f" : a >= 0.01 ? "%.3f" : "%.2g";
    return String.format(Locale.ROOT, f, amount) + " " + currency;
  }

  public String money(double amount) { return money(amount, currency); }
}
