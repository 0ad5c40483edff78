/**
 * What a LoRA adapter is, in PEFT's terms: {@link nomoat.pipeline.lora.LoraSpec} (PEFT's LoraConfig: rank, alpha,
 * dropout, target modules, layers, rsLoRA) and {@link nomoat.pipeline.lora.LoraAdapter} (A and B tensors by module
 * path). Values only: the engine ({@code model}) runs them and makes fresh ones ({@code model.LoraInit}) or merges
 * them ({@code model.LoraMerge}); {@code format.PeftAdapterDir} reads and writes them. Depends on nothing in nomoat
 * but {@code nomoat.pipeline}; module paths are the model's names ({@code model.LlamaWeights.modulePath}).
 */
package nomoat.pipeline.lora;
