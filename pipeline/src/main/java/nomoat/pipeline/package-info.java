/**
 * nomoat's Spark-free core library: everything a stage does except starting Spark, so plain unit tests reach it.
 * This package itself holds only what every package below may use: {@link nomoat.pipeline.NomoatException} (the one
 * error type, carrying the exit code the CLI returns) and {@link nomoat.pipeline.SplitMix64} (the one 64-bit mixer
 * behind seeds and keys). It depends on nothing in nomoat.
 *
 * <p>Package arrows (checked by {@code ArchitectureTest}; picture in docs/ARCHITECTURE.md), bottom up:
 * {@code io}, {@code tokenize}, {@code lora} use only this package; {@code model} uses {@code lora};
 * {@code data} uses {@code tokenize}; {@code format} uses {@code model}, {@code lora}, {@code io}; {@code source}
 * and {@code shard} use {@code data}, {@code io}; {@code config} may use all of those; {@code prepare},
 * {@code train}, {@code generate} sit on top; {@code bench} may use anything and nothing uses it. No package here
 * imports Spark, and only {@code config} reads HOCON.
 */
package nomoat.pipeline;
