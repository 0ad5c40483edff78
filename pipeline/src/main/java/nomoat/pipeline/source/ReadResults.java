package nomoat.pipeline.source;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A stream of {@link ReadResult}s over an open file. It closes the file itself when exhausted, so a Spark
 * {@code mapPartitions} that simply iterates leaks nothing; call {@link #close()} when stopping early.
 */
public abstract class ReadResults implements Iterator<ReadResult>, AutoCloseable {
  private ReadResult next;
  private boolean done;

  /** The next result, or null at the end. */
  protected abstract ReadResult computeNext();

  /** Releases the underlying stream; called once. */
  protected abstract void release();

  @Override
  public final boolean hasNext() {
    if (next != null) return true;
    if (done) return false;
    try {
      next = computeNext();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    if (next == null) close();
    return next != null;
  }

  @Override
  public final ReadResult next() {
    if (!hasNext()) throw new NoSuchElementException();
    ReadResult r = next;
    next = null;
    return r;
  }

  @Override
  public final void close() {
    if (done) return;
    done = true;
    next = null;
    release();
  }
}
