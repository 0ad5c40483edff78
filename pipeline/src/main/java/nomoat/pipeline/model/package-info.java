/**
 * The LLaMA model and its training engine: explicit forward and hand-written backward over ND4J arrays.
 *
 * <p>Public API: {@link nomoat.pipeline.model.LlamaModel} (immutable, shareable; wraps {@link
 * nomoat.pipeline.model.LlamaWeights}), {@link nomoat.pipeline.model.Batch} (ids, unshifted labels, padding mask,
 * packed-segment ids, positions), {@link nomoat.pipeline.model.ForwardBackward#run} (loss SUM, trained-token count and
 * LoRA gradients of one micro-batch), {@link nomoat.pipeline.model.Scoring} (evaluation log-probs, loss, logits),
 * {@link nomoat.pipeline.model.IncrementalDecoder} (KV-cache inference) and {@link nomoat.pipeline.model.EngineThreads}
 * (how many threads one step uses). Timing: {@code nomoat.pipeline.bench.EngineBench}.
 *
 * <p>Layers, one small class each, forward and backward side by side (activations are [rows, features] with
 * rows = batch x seq folded together, so every projection is one big gemm):
 * {@code Linear} (frozen W + LoRA terms), {@code RmsNorm}, {@code Rope}, {@code Attention} (GQA, additive mask),
 * {@code Mlp} (SwiGLU), {@code DecoderLayer}, {@code CrossEntropy} (LM head fused with the loss, in row chunks).
 * Gemms go to OpenBLAS ({@code Gemm}); the elementwise work between them (softmax with the attention mask and the loss target
 * folded in, its backward, SwiGLU, RMSNorm, rotary embedding fused with the heads transposes) runs in {@code Kernels}:
 * plain Java loops over the arrays' native buffers that HotSpot vectorises, with a polynomial exp in FLOAT
 * ({@code Math.exp} in DOUBLE), one pass each instead of several ND4J ops.
 * Frozen weights never get gradients; backward stops at the lowest layer with a trainable adapter and, inside it,
 * computes only what that layer's adapters need. Every layer is dtype-agnostic: production runs FP32, the
 * gradient tests run the same code in DOUBLE against finite differences.
 *
 * <p>The bottom of the engine: depends only on {@code lora} (the adapters it runs) and {@code nomoat.pipeline}; it
 * sees token arrays, never templates, tokenizers, files or config. Also here: the model's own module naming
 * ({@code LlamaWeights.modulePath}), fresh adapters ({@code LoraInit}) and merging ({@code LoraMerge}).
 */
package nomoat.pipeline.model;
