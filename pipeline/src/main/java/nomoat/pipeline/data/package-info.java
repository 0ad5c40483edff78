/**
 * Rows to training examples. {@link nomoat.pipeline.data.ExampleBuilder} reads a {@link nomoat.pipeline.data.SourceRow}
 * with a record format ({@code record} package: alpaca, sharegpt, messages, text) into a
 * {@link nomoat.pipeline.data.Conversation}, checks turn order, renders it with a chat template ({@code template}
 * package) as segments marked prompt / assistant / text, concatenates them, tokenizes the whole text once with
 * character offsets, and trains a token iff its span overlaps a trained segment. Bad rows become a
 * {@link nomoat.pipeline.data.Rejection} with a {@link nomoat.pipeline.data.RejectReason} and a detail naming the field.
 * Depends on {@code tokenize} and {@code nomoat.pipeline}; {@code record} and {@code template} are its parts.
 */
package nomoat.pipeline.data;
