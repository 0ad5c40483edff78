/**
 * The prepared dataset on disk: Parquet shards of {@link nomoat.pipeline.shard.ShardRow}s
 * ({@code ShardWriter}/{@code ShardReader}, schema in {@code ShardSchema}), {@link nomoat.pipeline.shard.Packer}
 * (packing examples into rows), {@link nomoat.pipeline.shard.Manifest} ({@code manifest.json}, its one
 * reader/writer), {@code rejected/} files ({@code RejectedWriter}), statistics and the file names
 * ({@link nomoat.pipeline.shard.PreparedLayout}). May depend on {@code data}, {@code tokenize} and {@code io}.
 */
package nomoat.pipeline.shard;
