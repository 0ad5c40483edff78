/**
 * {@code nomoat estimate}'s logic, before any training: the model's shape (read without its weights), the LoRA
 * targets and the prepared data's token counts give the FLOPs of a run ({@link nomoat.pipeline.estimate.TrainingFlops});
 * a short measured probe of the engine on this machine ({@link nomoat.pipeline.estimate.EngineProbe}) gives its FLOP
 * rate; a coordination model ({@link nomoat.pipeline.estimate.Coordination}) adds Spark's per-step cost; the
 * {@link nomoat.pipeline.estimate.Estimator} turns them into tokens/s per executor, wall time on N executors and cost.
 * Spark-free.
 */
package nomoat.pipeline.estimate;
