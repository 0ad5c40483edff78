package nomoat.pipeline.shard;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import nomoat.pipeline.NomoatException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetReader;

/** Iterates the {@link ShardRow}s of one shard file (used by the trainer on executors). Closes itself at the end. */
public final class ShardReader implements Iterator<ShardRow>, AutoCloseable {
  private final String uri;
  private final ParquetReader<ShardRow> reader;
  private ShardRow next;
  private boolean done;

  private ShardReader(String uri, ParquetReader<ShardRow> reader) {
    this.uri = uri;
    this.reader = reader;
  }

  public static ShardReader open(Configuration conf, String uri) {
    try {
      return new ShardReader(uri, ParquetReader.builder(new ShardReadSupport(uri), new Path(uri)).withConf(conf).build());
    } catch (IOException e) {
      throw NomoatException.io("cannot open shard " + uri + ": " + e.getMessage(), e);
    }
  }

  /** All rows of a (small) shard file. */
  public static List<ShardRow> readAll(Configuration conf, String uri) {
    List<ShardRow> rows = new ArrayList<>();
    try (ShardReader r = open(conf, uri)) {
      r.forEachRemaining(rows::add);
    }
    return rows;
  }

  @Override
  public boolean hasNext() {
    if (next != null) return true;
    if (done) return false;
    try {
      next = reader.read();
    } catch (NomoatException e) {
      close();
      throw e;
    } catch (IOException | RuntimeException e) {
      close();
      if (e.getCause() instanceof NomoatException ne) throw ne;
      throw NomoatException.inputData("cannot read shard " + uri + ": " + e.getMessage(), e);
    }
    if (next == null) close();
    return next != null;
  }

  @Override
  public ShardRow next() {
    if (!hasNext()) throw new NoSuchElementException();
    ShardRow r = next;
    next = null;
    return r;
  }

  @Override
  public void close() {
    if (done) return;
    done = true;
    try {
      reader.close();
    } catch (IOException e) {
      // Read-only: nothing is lost by a failed close.
    }
  }
}
