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
   * A whole run's projected total: what was spent so far plus the mean cost of this attempt's steps times the steps
   * still to run. {@code spentAtFirstStep} is what had been spent when this attempt's first step began (setup, and
   * earlier attempts), so one-off costs are not multiplied.
   */
  public static double project(double spent, double spentAtFirstStep, long stepsThisAttempt, long stepsRemaining) {
    if (stepsThisAttempt <= 0) return spent;
    return spent + (spent - spentAtFirstStep) / stepsThisAttempt * stepsRemaining;
  }
}
