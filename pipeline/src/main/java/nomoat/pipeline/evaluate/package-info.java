/**
 * The evaluate stage's logic: which model variants are scored side by side (the base, then base + each prefix of the
 * adapters), their validation loss and perplexity from the train package's worker scoring, greedy generations of
 * configured prompts rendered with the data's template, and the stage's output files. May use train (its scoring path
 * and model cache), generate, config, format, model, lora, shard, data, tokenize and io.
 */
package nomoat.pipeline.evaluate;
