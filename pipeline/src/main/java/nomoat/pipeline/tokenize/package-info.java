/**
 * Hugging Face tokenizers: tokenizer.json run by the Rust library through DJL (so ids equal HF's), with
 * UTF-16 character offsets and the special-token facts of tokenizer_config.json. Depends only on
 * {@code nomoat.pipeline}.
 */
package nomoat.pipeline.tokenize;
