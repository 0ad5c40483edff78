/**
 * The only code that reads HOCON ({@code com.typesafe.config}): {@link nomoat.pipeline.config.ConfigLoader} layers
 * command-line overrides, the user's file and {@code reference.conf}, rejects unknown keys and bad values with one
 * error naming the key, and returns typed records ({@link nomoat.pipeline.config.NomoatConfig} and its settings).
 * Other classes take these records or plain values. May depend on the library packages whose types the settings
 * carry ({@code data}, {@code source}, {@code shard}, {@code format}, {@code model}, {@code lora}, {@code tokenize},
 * {@code io}); only the stage packages ({@code prepare}, {@code train}, {@code generate}) and {@code jobs} use it.
 */
package nomoat.pipeline.config;
