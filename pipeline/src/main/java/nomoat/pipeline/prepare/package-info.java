/**
 * The rules of the prepare stage, without Spark: stable example ids ({@link nomoat.pipeline.prepare.RecordIds}),
 * deterministic keys for sampling, splitting and ordering ({@link nomoat.pipeline.prepare.ExampleKeys},
 * {@link nomoat.pipeline.prepare.SplitRule}, {@link nomoat.pipeline.prepare.SourceWeighting}), dedup keys and shard
 * assignment. {@code jobs.PrepareJob} is the Spark shell that reads, maps with these and writes. May depend on
 * {@code config} (typed records), {@code shard}, {@code source}, {@code data}, {@code tokenize} and {@code io}.
 */
package nomoat.pipeline.prepare;
