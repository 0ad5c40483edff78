package nomoat.pipeline.shard;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.data.TokenizedExample;

/**
 * Counts the prepare stage keeps. Executors fill one per partition with the {@code record*} methods; the
 * driver reduces them with {@link #merge}, which is associative and commutative and does not modify its
 * inputs. All maps are sorted so the manifest is stable.
 *
 * <p>Example lengths (tokens per example, before packing) are kept exactly, one count per distinct length
 * (at most seq_len entries), so percentiles are exact after any merge.
 */
public final class DatasetStats implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final String TRAIN = "train";
  public static final String VALIDATION = "validation";

  final TreeMap<String, Long> rowsReadBySource = new TreeMap<>();
  final TreeMap<String, Long> rowsReadByFile = new TreeMap<>();
  final TreeMap<String, Long> examplesBySource = new TreeMap<>();
  final TreeMap<String, Long> examplesBySplit = new TreeMap<>();
  final TreeMap<String, Long> tokensBySplit = new TreeMap<>();
  final TreeMap<String, Long> trainedTokensBySplit = new TreeMap<>();
  final TreeMap<String, Long> rowsBySplit = new TreeMap<>();
  final TreeMap<String, Long> rejectedByReason = new TreeMap<>();
  final TreeMap<String, TreeMap<String, Long>> rejectedBySource = new TreeMap<>();
  final TreeMap<Integer, Long> lengthCounts = new TreeMap<>();
  long truncated;
  long duplicatesRemoved;

  /** A row was read from an input file of {@code source} (good or bad). */
  public void recordRowRead(String source) {
    add(rowsReadBySource, source, 1);
  }

  /** A row was read from input file {@code file} (its URI) of {@code source} (good or bad). */
  public void recordRowRead(String source, String file) {
    add(rowsReadBySource, source, 1);
    add(rowsReadByFile, file, 1);
  }

  /**
   * Input file {@code file} of {@code source} was matched: it and its source are counted from 0, so a file without
   * rows (zero bytes, {@code []}) still appears in the counts.
   */
  public void recordFileMatched(String source, String file) {
    add(rowsReadBySource, source, 0);
    add(rowsReadByFile, file, 0);
  }

  /** A row was quarantined; counted by reason code and by source. */
  public void recordRejection(Rejection r) {
    add(rejectedByReason, r.reason().code(), 1);
    add(rejectedBySource.computeIfAbsent(r.source(), s -> new TreeMap<>()), r.reason().code(), 1);
  }

  public void recordDuplicateRemoved() {
    duplicatesRemoved++;
  }

  /** Dedup runs as one Spark shuffle; its count arrives on the driver as one number. */
  public void recordDuplicatesRemoved(long n) {
    duplicatesRemoved += n;
  }

  /** An example went to {@code split} (before packing): counts, truncation and its length. */
  public void recordExample(TokenizedExample e, String split) {
    add(examplesBySource, e.source(), 1);
    add(examplesBySplit, split, 1);
    if (e.truncated()) truncated++;
    add(lengthCounts, e.numTokens(), 1);
  }

  /** A row was written to {@code split}'s shards: rows and (after packing masks) tokens and trained tokens. */
  public void recordShardRow(ShardRow row, String split) {
    add(rowsBySplit, split, 1);
    add(tokensBySplit, split, row.numTokens());
    add(trainedTokensBySplit, split, row.numTrainedTokens());
  }

  /** A new DatasetStats holding both; neither input changes. */
  public DatasetStats merge(DatasetStats other) {
    DatasetStats m = new DatasetStats();
    for (DatasetStats s : List.of(this, other)) {
      addAll(m.rowsReadBySource, s.rowsReadBySource);
      addAll(m.rowsReadByFile, s.rowsReadByFile);
      addAll(m.examplesBySource, s.examplesBySource);
      addAll(m.examplesBySplit, s.examplesBySplit);
      addAll(m.tokensBySplit, s.tokensBySplit);
      addAll(m.trainedTokensBySplit, s.trainedTokensBySplit);
      addAll(m.rowsBySplit, s.rowsBySplit);
      addAll(m.rejectedByReason, s.rejectedByReason);
      s.rejectedBySource.forEach((src, byReason) -> addAll(m.rejectedBySource.computeIfAbsent(src, k -> new TreeMap<>()), byReason));
      addAll(m.lengthCounts, s.lengthCounts);
      m.truncated += s.truncated;
      m.duplicatesRemoved += s.duplicatesRemoved;
    }
    return m;
  }

  public Map<String, Long> rowsReadBySource() { return view(rowsReadBySource); }
  /** Rows read per input file URI; every matched file is listed, with 0 when it holds no rows. */
  public Map<String, Long> rowsReadByFile() { return view(rowsReadByFile); }
  /** The matched input files that held no rows, sorted. */
  public List<String> filesWithoutRows() {
    return rowsReadByFile.entrySet().stream().filter(e -> e.getValue() == 0).map(Map.Entry::getKey).toList();
  }
  public Map<String, Long> examplesBySource() { return view(examplesBySource); }
  public Map<String, Long> examplesBySplit() { return view(examplesBySplit); }
  public Map<String, Long> tokensBySplit() { return view(tokensBySplit); }
  public Map<String, Long> trainedTokensBySplit() { return view(trainedTokensBySplit); }
  /** Shard rows written per split (packed rows when packing, else one per example). */
  public Map<String, Long> rowsBySplit() { return view(rowsBySplit); }
  public Map<String, Long> rejectedByReason() { return view(rejectedByReason); }
  public Map<String, Map<String, Long>> rejectedBySource() {
    TreeMap<String, Map<String, Long>> out = new TreeMap<>();
    rejectedBySource.forEach((k, v) -> out.put(k, view(v)));
    return java.util.Collections.unmodifiableMap(out);
  }
  /** Exact example length → number of examples. */
  public Map<Integer, Long> lengthCounts() { return java.util.Collections.unmodifiableMap(lengthCounts); }
  public long truncated() { return truncated; }
  public long duplicatesRemoved() { return duplicatesRemoved; }

  public long rowsRead() { return sum(rowsReadBySource); }
  public long examples() { return sum(examplesBySplit); }
  public long tokens() { return sum(tokensBySplit); }
  public long trainedTokens() { return sum(trainedTokensBySplit); }
  public long shardRows() { return sum(rowsBySplit); }
  public long rejected() { return sum(rejectedByReason); }

  /** Nearest-rank percentile of example lengths (0 < p ≤ 100); 0 when there are no examples. */
  public int lengthPercentile(double p) {
    long n = sum(lengthCounts);
    if (n == 0) return 0;
    long rank = Math.max(1, (long) Math.ceil(p / 100.0 * n));
    long seen = 0;
    for (Map.Entry<Integer, Long> e : lengthCounts.entrySet()) {
      seen += e.getValue();
      if (seen >= rank) return e.getKey();
    }
    return lengthCounts.lastKey();
  }

  public int maxLength() { return lengthCounts.isEmpty() ? 0 : lengthCounts.lastKey(); }

  /** One bucket of the coarse histogram: lengths in [min, maxExclusive). */
  public record Bucket(int min, int maxExclusive, long count) {}

  /**
   * Example lengths in power-of-two buckets [0,32), [32,64), [64,128), ... up to the bucket holding the
   * longest example; empty buckets in between are listed with count 0 so a chart has no gaps.
   */
  public List<Bucket> coarseHistogram() {
    List<Bucket> out = new ArrayList<>();
    if (lengthCounts.isEmpty()) return out;
    int max = maxLength();
    int lo = 0;
    int hi = 32;
    while (lo <= max) {
      long c = 0;
      for (long v : lengthCounts.subMap(lo, hi).values()) c += v;
      out.add(new Bucket(lo, hi, c));
      lo = hi;
      hi = hi * 2;
    }
    return out;
  }

  private static <K> void add(TreeMap<K, Long> m, K key, long n) {
    m.merge(key, n, Long::sum);
  }

  private static <K> void addAll(TreeMap<K, Long> into, Map<K, Long> from) {
    from.forEach((k, v) -> into.merge(k, v, Long::sum));
  }

  private static long sum(Map<?, Long> m) {
    long s = 0;
    for (long v : m.values()) s += v;
    return s;
  }

  private static Map<String, Long> view(Map<String, Long> m) {
    return java.util.Collections.unmodifiableMap(m);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DatasetStats s && rowsReadBySource.equals(s.rowsReadBySource) && rowsReadByFile.equals(s.rowsReadByFile)
        && examplesBySource.equals(s.examplesBySource) && examplesBySplit.equals(s.examplesBySplit)
        && tokensBySplit.equals(s.tokensBySplit) && trainedTokensBySplit.equals(s.trainedTokensBySplit)
        && rowsBySplit.equals(s.rowsBySplit) && rejectedByReason.equals(s.rejectedByReason)
        && rejectedBySource.equals(s.rejectedBySource) && lengthCounts.equals(s.lengthCounts)
        && truncated == s.truncated && duplicatesRemoved == s.duplicatesRemoved;
  }

  @Override
  public int hashCode() {
    return Objects.hash(rowsReadBySource, rowsReadByFile, examplesBySource, examplesBySplit, tokensBySplit, trainedTokensBySplit,
        rowsBySplit, rejectedByReason, rejectedBySource, lengthCounts, truncated, duplicatesRemoved);
  }

  @Override
  public String toString() {
    return "DatasetStats[rows read " + rowsRead() + ", examples " + examples() + ", rejected " + rejected()
        + ", tokens " + tokens() + " (" + trainedTokens() + " trained), shard rows " + shardRows() + "]";
  }
}
