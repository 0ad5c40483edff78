package nomoat.pipeline.train;

/**
 * Learning rate per optimiser step, with the same values as Hugging Face transformers'
 * get_constant_schedule_with_warmup / get_linear_schedule_with_warmup / get_cosine_schedule_with_warmup
 * (num_cycles 0.5). {@code step} is the 0-based index of the update, as HF's LambdaLR sees it: with warmup the
 * first update uses lr 0.
 */
public record LrSchedule(Kind kind, double baseLr, long warmupSteps, long totalSteps) {

  public enum Kind { CONSTANT, LINEAR, COSINE }

  public LrSchedule {
    if (kind == null) throw new IllegalArgumentException("schedule kind is required");
    if (!(baseLr >= 0) || Double.isInfinite(baseLr)) throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + baseLr);
    if (warmupSteps < 0) throw new IllegalArgumentException("warmup steps must be >= 0, got " + warmupSteps);
    if (kind != Kind.CONSTANT && totalSteps <= 0) throw new IllegalArgumentException(kind + " schedule needs total steps > 0");
  }

  /** Parses "constant", "linear" or "cosine" (case-insensitive). */
  public static Kind kindOf(String name) {
    try {
      return Kind.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown lr schedule '" + name + "'; known: constant, linear, cosine");
    }
  }

  public double lr(long step) { return baseLr * multiplier(step); }

  /** HF's lr_lambda(step). */
  public double multiplier(long step) {
    if (step < warmupSteps) return (double) step / Math.max(1, warmupSteps);
    double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return switch (kind) {
      case CONSTANT -> 1.0;
      case LINEAR -> Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
      case COSINE -> Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * 0.5 * 2.0 * progress)));
    };
  }
}
