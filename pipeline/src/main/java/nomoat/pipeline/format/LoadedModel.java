package nomoat.pipeline.format;

import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaWeights;

/**
 * A base model as loaded from a Hugging Face directory or a GGUF file: architecture, FP32 weights under HF
 * names, and the tokenizer as Hugging Face `tokenizer.json` / `tokenizer_config.json` bytes (for a GGUF file
 * both are built from the embedded vocabulary; for an HF directory without tokenizer_config.json it is "{}").
 */
public record LoadedModel(LlamaConfig config, LlamaWeights weights, byte[] tokenizerJson, byte[] tokenizerConfigJson) {}
