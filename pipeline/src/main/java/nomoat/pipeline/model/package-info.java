/**
 * The LLaMA model and its training engine: explicit forward and hand-written backward over ND4J arrays.
 *
 * <p>Public API: {@link nomoat.pipeline.model.LlamaModel} (immutable, shareable; wraps {@link
 * nomoat.pipeline.model.LlamaWeights}), {@link nomoat.pipeline.model.Batch} (ids, unshifted labels, padding mask,
 * packed-segment ids, positions), {@link nomoat.pipeline.model.ForwardBackward#run} (loss SUM, trained-token count and
 * LoRA gradients of one micro-batch), {@link nomoat.pipeline.model.Scoring} (evaluation log-probs, loss, logits),
 * {@link nomoat.pipeline.model.IncrementalDecoder} (KV-cache inference) and {@link nomoat.pipeline.model.EngineOptions}
 * (how the engine runs: threads per step, gemm path, workspaces, attention tiles; a model holds one, see
 * {@link nomoat.pipeline.model.LlamaModel#withOptions}). Timing: {@code nomoat.bench.EngineBench} (module bench).
 *
 * <p>One forward: {@code LlamaModel.forward} (embedding, then every {@code DecoderLayer}) serves training (with the
 * caches backward needs), scoring (without) and decoding (with a {@code KvCache}: prefill and one-token steps are the
 * same call); {@code EngineThreads.overRows} splits a batch's rows over the engine threads for training and scoring.
 *
 * <p>Layers, one small class each, forward and backward side by side (activations are [rows, features] with
 * rows = batch x seq folded together, so every projection is one big gemm):
 * {@code Linear} (frozen W + LoRA terms), {@code RmsNorm}, {@code Rope} (tables), {@code Attention} (GQA, additive mask, causal tiles, optional KV cache),
 * {@code Mlp} (SwiGLU), {@code DecoderLayer}, {@code CrossEntropy} (LM head fused with the loss, in row chunks).
 * Gemms go to OpenBLAS ({@code Gemm}); the elementwise work between them (softmax with the attention mask and the loss target
 * folded in, its backward, SwiGLU, RMSNorm, rotary embedding fused with the heads transposes) runs in {@code Kernels}:
 * plain Java loops over the arrays' native buffers that HotSpot vectorises, with a polynomial exp in FLOAT
 * ({@code Math.exp} in DOUBLE), one pass each instead of several ND4J ops. Perf plumbing stays out of the math:
 * {@code Buffers} (native buffer access and copies), {@code Scratch} (named per-thread row blocks),
 * {@code Workspaces} (reused step memory).
 * Frozen weights never get gradients; backward stops at the lowest layer with a trainable adapter and, inside it,
 * computes only what that layer's adapters need. Every layer is dtype-agnostic: production runs FP32, the
 * gradient tests run the same code in DOUBLE against finite differences.
 *
 * <p>The bottom of the engine: depends only on {@code lora} (the adapters it runs) and {@code nomoat.pipeline}; it
 * sees token arrays, never templates, tokenizers, files or config. Also here: the model's own module naming
 * ({@code LlamaWeights.modulePath}), fresh adapters ({@code LoraInit}) and merging ({@code LoraMerge}).
 */
package nomoat.pipeline.model;
