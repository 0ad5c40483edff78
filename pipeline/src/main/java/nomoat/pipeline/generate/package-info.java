/**
 * Text generation on the engine: {@link nomoat.pipeline.generate.Generator} decodes with the model's KV cache
 * ({@code model.IncrementalDecoder}), {@link nomoat.pipeline.generate.Sampler} picks tokens (greedy, temperature,
 * top-k, top-p, seeded), {@link nomoat.pipeline.generate.GenerationConfig} says how. May depend on {@code model},
 * {@code lora}, {@code format}, {@code tokenize}, {@code io} and the typed records of {@code config}.
 */
package nomoat.pipeline.generate;
