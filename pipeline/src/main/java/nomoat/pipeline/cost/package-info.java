/**
 * What a run used and what it cost, as plain arithmetic: {@link nomoat.pipeline.cost.ComputeUsage} (executor
 * core-seconds, GPU-seconds, driver and wall time, tokens, peak executor memory; added across resumed attempts),
 * {@link nomoat.pipeline.cost.Prices} (the {@code cost} config block's values) and {@link nomoat.pipeline.cost.Bill}
 * (the money, per million trained tokens, and the projection of a whole run from its first steps). Spark-free: the
 * numbers come from a SparkListener in {@code jobs}; this package only adds, prices and formats them. A leaf: it uses
 * nothing else in {@code pipeline}.
 */
package nomoat.pipeline.cost;
