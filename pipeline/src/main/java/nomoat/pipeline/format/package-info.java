/**
 * On-disk model formats, each with exactly one reader/writer: {@link nomoat.pipeline.format.Safetensors},
 * {@link nomoat.pipeline.format.Gguf} (+ {@code GgmlBlocks} dequantisation, {@code GgufLlama} to LLaMA weights,
 * {@code SpmTokenizerJson} for the embedded vocabulary), {@link nomoat.pipeline.format.HfCheckpoint} (Hugging Face
 * model directories), {@link nomoat.pipeline.format.PeftAdapterDir} (PEFT adapter directories),
 * {@link nomoat.pipeline.format.TokenizerFiles} (a Hugging Face tokenizer's files, as bytes), and
 * {@link nomoat.pipeline.format.ModelLoader}, which picks the reader for a path. Everything is read into the
 * engine's types ({@code model.LlamaConfig}, {@code model.LlamaWeights}, {@code lora.LoraAdapter}).
 * May depend on {@code model}, {@code lora}, {@code io}; nothing in the engine depends on it.
 */
package nomoat.pipeline.format;
