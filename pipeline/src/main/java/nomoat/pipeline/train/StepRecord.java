package nomoat.pipeline.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * One line of {@code metrics.jsonl}: the optimiser step just completed (1-based), the fractional epoch, the mean training
 * loss per trained token, the validation loss when evaluated after this step, learning rate used, gradient norm before
 * clipping, trained tokens, real (non-padding) tokens per second of wall time, share of padded positions, and the step's
 * wall time split into the slowest task's compute and the rest (coordination: scheduling, broadcast, aggregation, update).
 */
public record StepRecord(long step, double epoch, double loss, Double valLoss, double lr, double gradNorm, long trainedTokens,
                         double tokensPerSecond, double paddingShare, double stepSeconds, double computeSeconds,
                         double coordinationSeconds, boolean skipped) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public StepRecord withValLoss(double v) {
    return new StepRecord(step, epoch, loss, v, lr, gradNorm, trainedTokens, tokensPerSecond, paddingShare, stepSeconds,
        computeSeconds, coordinationSeconds, skipped);
  }

  public String toJsonLine() {
    return toJsonLine(java.util.Map.of());
  }

  /** The line with further numeric fields after the record's own (e.g. the step's compute accounting). */
  public String toJsonLine(java.util.Map<String, ? extends Number> more) {
    ObjectNode o = JSON.createObjectNode();
    o.put("step", step);
    o.put("epoch", epoch);
    putNumber(o, "loss", loss);
    if (valLoss != null) putNumber(o, "val_loss", valLoss);
    o.put("lr", lr);
    putNumber(o, "grad_norm", gradNorm);
    o.put("trained_tokens", trainedTokens);
    o.put("tokens_per_s", tokensPerSecond);
    o.put("padding_share", paddingShare);
    o.put("step_s", stepSeconds);
    o.put("compute_s", computeSeconds);
    o.put("coordination_s", coordinationSeconds);
    if (skipped) o.put("skipped", true);
    more.forEach((k, v) -> putNumber(o, k, v.doubleValue()));
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void putNumber(ObjectNode o, String key, double v) {
    if (Double.isFinite(v)) o.put(key, v); else o.putNull(key);      // JSON has no NaN
  }

  /** The console line: "train step 120/3000 (epoch 0.40) loss 2.3412 val 2.5100 lr 1.20e-04 | 4,321 tok/s | ETA 1h02m". */
  public String consoleLine(long totalSteps, double etaSeconds) {
    return String.format(Locale.ROOT, "train step %d/%d (epoch %.2f) loss %.4f%s lr %.2e | %,.0f tok/s | pad %.0f%% | ETA %s",
        step, totalSteps, epoch, loss, valLoss == null ? "" : String.format(Locale.ROOT, " val %.4f", valLoss), lr, tokensPerSecond,
        100 * paddingShare, duration(etaSeconds)) + (skipped ? " (step skipped: gradient not finite)" : "");
  }

  static String duration(double seconds) {
    long s = Math.round(Math.max(0, seconds));
    if (s >= 3600) return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    if (s >= 60) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    return s + "s";
  }
}
