/**
 * Record formats, part of {@code data}: how a source row's columns become a {@code data.Conversation} (Alpaca,
 * ShareGPT/OpenAI turn lists, raw text), chosen by {@link nomoat.pipeline.data.record.RecordFormat}. To add a format,
 * implement {@code RecordFormat} here and name it in {@code data.ExampleSettings}. Uses {@code data}'s types.
 */
package nomoat.pipeline.data.record;
