package nomoat.pipeline.shard;

import java.io.IOException;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.OutputFile;

/**
 * Writes {@link ShardRow}s to one Parquet file with {@link ShardSchema}. The file is overwritten if it exists
 * (a retried Spark task rewrites its own part file inside the staging directory). Dictionary encoding is off
 * for the integer lists (token ids rarely repeat within a page enough to pay for it) and on for the strings. The same
 * rows give the same bytes in any JVM ({@link StableFooterOutputFile}).
 */
public final class ShardWriter implements AutoCloseable {

  /**
   * @param compression   see {@link ShardCompression#resolve}
   * @param rowGroupBytes Parquet row group size; 64 MiB keeps a reader's memory modest
   * @param pageBytes     Parquet page size
   */
  public record Options(CompressionCodecName compression, long rowGroupBytes, int pageBytes) implements java.io.Serializable {
    public static Options defaults() {
      return new Options(ShardCompression.best(), 64L << 20, 1 << 20);
    }

    public Options withCompression(String name) {
      return new Options(ShardCompression.resolve(name), rowGroupBytes, pageBytes);
    }
  }

  private final String uri;
  private final ParquetWriter<ShardRow> writer;
  private long rows;
  private long tokens;
  private long trainedTokens;
  private boolean closed;

  private ShardWriter(String uri, ParquetWriter<ShardRow> writer) {
    this.uri = uri;
    this.writer = writer;
  }

  public static ShardWriter open(Configuration conf, String uri, Options options) {
    Map<String, String> metadata = Map.of(ShardSchema.VERSION_KEY, Integer.toString(ShardSchema.VERSION));
    try {
      OutputFile file = new StableFooterOutputFile(HadoopOutputFile.fromPath(new Path(uri), conf));
      ParquetWriter<ShardRow> w = new Builder(file, metadata)
          .withConf(conf)
          .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
          .withCompressionCodec(options.compression())
          .withRowGroupSize(options.rowGroupBytes())
          .withPageSize(options.pageBytes())
          .withDictionaryEncoding(false)
          .withDictionaryEncoding(ShardSchema.SOURCE, true)
          .withValidation(false)
          .build();
      return new ShardWriter(uri, w);
    } catch (IOException e) {
      throw NomoatException.io("cannot create shard " + uri + ": " + e.getMessage(), e);
    }
  }

  public void write(ShardRow row) {
    try {
      writer.write(row);
    } catch (IOException e) {
      throw NomoatException.io("cannot write shard " + uri + ": " + e.getMessage(), e);
    }
    rows++;
    tokens += row.numTokens();
    trainedTokens += row.numTrainedTokens();
  }

  public long rows() { return rows; }

  public long tokens() { return tokens; }

  public long trainedTokens() { return trainedTokens; }

  /** Finishes the file (writes the footer); the file is only readable after this. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    try {
      writer.close();
    } catch (IOException e) {
      throw NomoatException.io("cannot finish shard " + uri + ": " + e.getMessage(), e);
    }
  }

  private static final class Builder extends ParquetWriter.Builder<ShardRow, Builder> {
    private final Map<String, String> metadata;

    Builder(OutputFile file, Map<String, String> metadata) {
      super(file);
      this.metadata = metadata;
    }

    @Override
    protected Builder self() { return this; }

    @Override
    protected WriteSupport<ShardRow> getWriteSupport(Configuration conf) {
      return new ShardWriteSupport(metadata);
    }
  }
}
