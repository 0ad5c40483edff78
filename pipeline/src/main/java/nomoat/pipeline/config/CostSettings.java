package nomoat.pipeline.config;

import com.typesafe.config.Config;
import nomoat.pipeline.cost.Prices;

/**
 * The {@code cost} block: prices of compute. Unset (null) prices mean runs report resources only.
 *
 * @param cpuCoreHour price of one CPU core for one hour, or null
 * @param gpuHour     price of one GPU for one hour, or null
 * @param currency    the prices' currency code, e.g. USD
 */
public record CostSettings(Double cpuCoreHour, Double gpuHour, String currency) {

  static CostSettings from(Config root) {
    String p = "cost.";
    Double cpu = price(root, p + "cpu-core-hour"), gpu = price(root, p + "gpu-hour");
    String currency = Checks.nonEmpty(root, p + "currency");
    Checks.require(currency.matches("[A-Za-z]{3}|[^\\s]{1,8}"), root, p + "currency", "must be a currency code such as USD or EUR");
    return new CostSettings(cpu, gpu, currency);
  }

  private static Double price(Config root, String path) {
    if (root.getIsNull(path)) return null;
    double v = Checks.number(root, path);
    Checks.require(v >= 0 && Double.isFinite(v), root, path, "must be a price >= 0 per hour, or null (not priced)");
    return v;
  }

  public Prices prices() { return new Prices(cpuCoreHour, gpuHour, currency); }
}
