/**
 * Reading instruction datasets: {@link nomoat.pipeline.source.SourceReader} turns a JSON array, JSONL, CSV or Parquet
 * file (any Hadoop file system, compressed or not) into {@code data.SourceRow}s with their exact location, in
 * line ranges so large files split across tasks; a bad row becomes a rejection naming the file and line, not a
 * failure. May depend on {@code data} and {@code io}.
 */
package nomoat.pipeline.source;
