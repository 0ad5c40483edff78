package nomoat.pipeline.prepare;

/**
 * Train/validation assignment that does not depend on partitioning: an example goes to validation when its
 * split key is below a threshold. For a fraction the threshold is the fraction itself (keys are uniform); for an
 * exact count the driver finds the count-th smallest key and uses it as the threshold.
 */
public record SplitRule(long seed, double fraction, long thresholdKeyInclusive, boolean byCount) implements java.io.Serializable {

  public static SplitRule byFraction(long seed, double fraction) { return new SplitRule(seed, fraction, 0, false); }

  /** {@code thresholdKeyInclusive}: the largest split key that still goes to validation (Long.MIN_VALUE-1 = none). */
  public static SplitRule byCount(long seed, long thresholdKeyInclusive) { return new SplitRule(seed, 0, thresholdKeyInclusive, true); }

  /** Weighted copies ("{id}#2") share their original's split: a copy in validation would leak training data. */
  public long splitKey(String exampleId) { return ExampleKeys.key(seed, "split", SourceWeighting.baseId(exampleId)); }

  /** Shuffle order within a split: independent of the split key so validation is not the "low" end of an order. */
  public long orderKey(String exampleId) { return ExampleKeys.key(seed, "order", exampleId); }

  public boolean isValidation(String exampleId) {
    long k = splitKey(exampleId);
    return byCount ? k <= thresholdKeyInclusive : ExampleKeys.unit(k) < fraction;
  }
}
