package nomoat.jobs;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;
import java.util.function.Supplier;

/** Maps an iterator that is opened on first use, so a partition opens each input file only when it reaches it. */
final class MappingIterator<A, B> implements Iterator<B> {
  private final Supplier<? extends Iterator<A>> open;
  private final Function<A, B> f;
  private Iterator<A> source;

  MappingIterator(Supplier<? extends Iterator<A>> open, Function<A, B> f) {
    this.open = open;
    this.f = f;
  }

  @Override
  public boolean hasNext() {
    if (source == null) source = open.get();
    return source.hasNext();
  }

  @Override
  public B next() {
    if (!hasNext()) throw new NoSuchElementException();
    return f.apply(source.next());
  }
}
