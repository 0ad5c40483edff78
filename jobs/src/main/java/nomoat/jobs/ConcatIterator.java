package nomoat.jobs;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/** Iterators drained one after the other (streaming: nothing of a partition is held in memory). */
final class ConcatIterator<T> implements Iterator<T> {
  private final Iterator<? extends Iterator<T>> parts;
  private Iterator<T> current;

  ConcatIterator(List<? extends Iterator<T>> parts) {
    this.parts = parts.iterator();
  }

  @Override
  public boolean hasNext() {
    while ((current == null || !current.hasNext()) && parts.hasNext()) current = parts.next();
    return current != null && current.hasNext();
  }

  @Override
  public T next() {
    if (!hasNext()) throw new NoSuchElementException();
    return current.next();
  }
}
