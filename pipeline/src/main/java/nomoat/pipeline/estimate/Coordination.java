package nomoat.pipeline.estimate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import nomoat.pipeline.NomoatException;

/**
 * Spark's cost per optimiser step outside the tasks' compute (scheduling, the adapter broadcast, gradients back through
 * treeAggregate, the driver's update): {@code stepMs + perMbMs × adapter MB + perTaskMs × executors}.
 *
 * @param source where the numbers come from, for the estimate's explanation
 */
public record Coordination(double stepMs, double perMbMs, double perTaskMs, String source) {

  public double secondsPerStep(double adapterMegabytes, int executors) {
    return (stepMs + perMbMs * adapterMegabytes + perTaskMs * executors) / 1000.0;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Reads measured costs from a {@code nomoat bench train --json-out} file: the first numbers found (anywhere in the
   * JSON tree) under the keys {@code step_ms} (else the overhead part's median coordination of real train steps,
   * {@code spark_coordination_s_median}, which includes the driver's update and bookkeeping; else the fitted
   * {@code fixed_ms} of empty steps), {@code per_mb_ms} and {@code per_task_ms}; a key the file lacks keeps
   * {@code defaults}' value. A file with none of them is refused.
   */
  public static Coordination fromBenchJson(String where, byte[] json, Coordination defaults) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw NomoatException.inputData("estimate.bench-json " + where + " is not JSON: " + e.getMessage());
    }
    // step_ms is a setting only outside lists: bench train's coordination cells (lists) each carry their whole step's
    // wall time, synthetic compute included, under the same key
    Double step = find(root, "step_ms", false), fixed = find(root, "fixed_ms", true), mb = find(root, "per_mb_ms", true),
        task = find(root, "per_task_ms", true);
    Double trainStep = find(root, "spark_coordination_s_median", true);
    if (step == null && trainStep != null) step = trainStep * 1000;   // a real train step's (overhead part) over the fit's empty step
    if (step == null) step = fixed;
    if (step == null && mb == null && task == null)
      throw NomoatException.inputData("estimate.bench-json " + where + " has none of step_ms, per_mb_ms, per_task_ms (a `nomoat bench train "
          + "--json-out` file measures them)");
    return new Coordination(step != null ? step : defaults.stepMs(), mb != null ? mb : defaults.perMbMs(),
        task != null ? task : defaults.perTaskMs(), "measured by bench train (" + where + ")");
  }

  private static Double find(JsonNode n, String key, boolean inLists) {
    if (n == null) return null;
    if (n.isObject()) {
      if (n.path(key).isNumber()) return n.get(key).asDouble();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Double d = find(it.next().getValue(), key, inLists);
        if (d != null) return d;
      }
    } else if (n.isArray() && inLists) {
      for (JsonNode c : n) {
        Double d = find(c, key, true);
        if (d != null) return d;
      }
    }
    return null;
  }
}
