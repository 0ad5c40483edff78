/**
 * Chat templates, part of {@code data}: a {@code data.Conversation} rendered as {@link nomoat.pipeline.data.template.Segment}s
 * marked prompt, assistant or text. Built-in templates (Alpaca, Llama 2, Llama 3, ChatML, Vicuna, raw) and any
 * Hugging Face {@code chat_template} run through Jinjava ({@link nomoat.pipeline.data.template.JinjaChatTemplate}).
 * To add a template, implement {@link nomoat.pipeline.data.template.ChatTemplate} here and name it in
 * {@code data.ExampleSettings}. Uses {@code data}'s types and {@code tokenize} (special tokens).
 */
package nomoat.pipeline.data.template;
