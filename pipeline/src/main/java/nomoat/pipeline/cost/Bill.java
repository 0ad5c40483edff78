package nomoat.pipeline.cost;

import java.util.LinkedHashMap;
import java.util.Map;

/** A priced {@link ComputeUsage}: the total, its CPU and GPU parts, and the cost per million trained tokens. */
public record Bill(double total, double cpu, double gpu, String currency, long tokensTrained) {

  /** null when no token was trained. */
  public Double perMillionTrainedTokens() {
    return tokensTrained <= 0 ? null : total / tokensTrained * 1e6;
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("currency", currency);
    m.put("total", total);
    m.put("cpu", cpu);
    m.put("gpu", gpu);
    m.put("per_million_trained_tokens", perMillionTrainedTokens());
    return m;
  }

  /**
   * The whole run's projected total from its first {@code stepsDone} of {@code totalSteps}: what was spent before the
   * first step (setup) plus the mean cost of the steps so far times the total step count.
   */
  public static double project(double setup, double spent, long stepsDone, long totalSteps) {
    if (stepsDone <= 0) return spent;
    return setup + (spent - setup) / stepsDone * totalSteps;
  }
}
