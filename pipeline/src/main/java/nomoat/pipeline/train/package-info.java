/**
 * The optimiser side of training, driver-side and Spark-free: {@link nomoat.pipeline.train.AdamW} (as
 * torch.optim.AdamW), {@link nomoat.pipeline.train.LrSchedule}, {@link nomoat.pipeline.train.GradClipping},
 * {@link nomoat.pipeline.train.GradAccumulator} (gradient sums from workers, divided by the global trained-token
 * count), {@link nomoat.pipeline.train.OptimizerState} (keyed by tensor name) and
 * {@link nomoat.pipeline.train.LocalTrainer} (the whole loop in one JVM, the reference a distributed run must equal).
 * May depend on {@code model}, {@code lora}, {@code format}, {@code shard}, {@code data}, {@code tokenize},
 * {@code io} and the typed records of {@code config}; only {@code bench} and {@code jobs} depend on it.
 */
package nomoat.pipeline.train;
