package nomoat.pipeline.shard;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NoSuchElementException;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.NomoatException.ExitCode;
import nomoat.pipeline.data.TokenizedExample;

/**
 * Turns TokenizedExamples into {@link ShardRow}s, streaming and deterministic (same input order, same rows).
 *
 * <p><b>Unpacked</b>: one example per row, no segment/position ids.
 *
 * <p><b>Packed</b>: first-fit-decreasing within a bounded window. The packer takes the next {@code window}
 * examples, places them longest first (ties in input order) into the first row with room left (a new row
 * if none), and emits that window's rows in the order they were opened; inside a row the examples keep
 * their input order. Memory is bounded by the window; FFD wastes far less of {@code seqLen} than greedy
 * sequential packing when lengths vary (see PackerTest). Rows are not padded. In each row, segment ids are
 * 1-based per example, position ids restart at 0 per example, and the label of the FIRST token of every
 * segment is masked to -100: labels are unshifted, so that label would be predicted from the last token of
 * the previous example — loss must not cross examples. (In an unpacked row that first label has no
 * predecessor and the trainer cannot use it either.)
 *
 * <p>An example longer than {@code seqLen} is an error, not a truncation: the length policy upstream
 * guarantees it does not happen.
 */
public final class Packer implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Examples packed together by default: enough for FFD to fill rows well, small enough to stream. */
  public static final int DEFAULT_WINDOW = 1000;
  private final int seqLen;
  private final int window;

  private Packer(int seqLen, int window) {
    this.seqLen = seqLen;
    this.window = window;
  }

  public static Packer unpacked() {
    return new Packer(0, 0);
  }

  /** @param window how many consecutive examples are packed together (1000 is plenty) */
  public static Packer packed(int seqLen, int window) {
    if (seqLen < 1) throw NomoatException.config("seq_len must be positive, got " + seqLen);
    if (window < 1) throw NomoatException.config("packing window must be positive, got " + window);
    return new Packer(seqLen, window);
  }

  public boolean isPacked() { return seqLen > 0; }

  public int seqLen() { return seqLen; }

  public List<ShardRow> pack(List<TokenizedExample> examples) {
    List<ShardRow> rows = new ArrayList<>();
    pack(examples.iterator()).forEachRemaining(rows::add);
    return rows;
  }

  public Iterator<ShardRow> pack(Iterator<TokenizedExample> examples) {
    if (!isPacked()) {
      return new Iterator<>() {
        @Override public boolean hasNext() { return examples.hasNext(); }
        @Override public ShardRow next() { return ShardRow.of(examples.next()); }
      };
    }
    return new Iterator<>() {
      private final List<ShardRow> ready = new ArrayList<>();
      private int readyPos;

      @Override
      public boolean hasNext() {
        if (readyPos < ready.size()) return true;
        ready.clear();
        readyPos = 0;
        List<TokenizedExample> batch = new ArrayList<>(Math.min(window, 4096));
        while (batch.size() < window && examples.hasNext()) batch.add(checked(examples.next()));
        ready.addAll(packWindow(batch));
        return !ready.isEmpty();
      }

      @Override
      public ShardRow next() {
        if (!hasNext()) throw new NoSuchElementException();
        return ready.get(readyPos++);
      }
    };
  }

  private TokenizedExample checked(TokenizedExample e) {
    if (e.numTokens() > seqLen) {
      throw new NomoatException(ExitCode.FAILURE, "example " + e.exampleId() + " from " + e.source() + " has "
          + e.numTokens() + " tokens, more than seq_len " + seqLen + " (the length policy should have cut or rejected it)");
    }
    if (e.numTokens() == 0) {
      throw new NomoatException(ExitCode.FAILURE, "example " + e.exampleId() + " from " + e.source() + " has no tokens");
    }
    return e;
  }

  private List<ShardRow> packWindow(List<TokenizedExample> batch) {
    Integer[] order = new Integer[batch.size()];
    for (int i = 0; i < order.length; i++) order[i] = i;
    // Arrays.sort on objects is stable: equal lengths stay in input order.
    java.util.Arrays.sort(order, Comparator.comparingInt((Integer i) -> batch.get(i).numTokens()).reversed());
    List<List<Integer>> bins = new ArrayList<>();
    List<Integer> free = new ArrayList<>();
    for (int i : order) {
      int len = batch.get(i).numTokens();
      int b = 0;
      while (b < bins.size() && free.get(b) < len) b++;
      if (b == bins.size()) {
        bins.add(new ArrayList<>());
        free.add(seqLen);
      }
      bins.get(b).add(i);
      free.set(b, free.get(b) - len);
    }
    List<ShardRow> rows = new ArrayList<>(bins.size());
    for (List<Integer> bin : bins) {
      bin.sort(null);
      List<TokenizedExample> members = new ArrayList<>(bin.size());
      for (int i : bin) members.add(batch.get(i));
      rows.add(row(members));
    }
    return rows;
  }

  /** Concatenates examples into one packed row. */
  static ShardRow row(List<TokenizedExample> members) {
    int total = 0;
    for (TokenizedExample e : members) total += e.numTokens();
    int[] ids = new int[total];
    int[] labels = new int[total];
    int[] segments = new int[total];
    int[] positions = new int[total];
    StringBuilder exampleIds = new StringBuilder();
    LinkedHashSet<String> sources = new LinkedHashSet<>();
    int at = 0;
    for (int s = 0; s < members.size(); s++) {
      TokenizedExample e = members.get(s);
      int n = e.numTokens();
      System.arraycopy(e.inputIds(), 0, ids, at, n);
      System.arraycopy(e.labels(), 0, labels, at, n);
      labels[at] = TokenizedExample.IGNORE;
      for (int t = 0; t < n; t++) {
        segments[at + t] = s + 1;
        positions[at + t] = t;
      }
      at += n;
      if (s > 0) exampleIds.append(',');
      exampleIds.append(e.exampleId());
      sources.add(e.source());
    }
    return new ShardRow(exampleIds.toString(), String.join(",", sources), ids, labels, segments, positions);
  }
}
