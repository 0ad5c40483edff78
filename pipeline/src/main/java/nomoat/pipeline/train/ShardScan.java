package nomoat.pipeline.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.TokenizedExample;
import nomoat.pipeline.shard.ShardReader;
import nomoat.pipeline.shard.ShardRow;
import org.apache.hadoop.conf.Configuration;

/**
 * The first pass over one shard file: every row's length (for the data plan) and the first token id or label outside
 * the model's vocabulary, if any. {@code problem} is null for a good shard.
 */
public record ShardScan(String uri, int[] lengths, String problem) implements Serializable {

  public static ShardScan scan(Configuration conf, String uri, int vocabSize) {
    List<Integer> lengths = new ArrayList<>();
    String problem = null;
    try (ShardReader reader = ShardReader.open(conf, uri)) {
      int index = 0;
      while (reader.hasNext()) {
        ShardRow row = reader.next();
        if (problem == null) problem = check(row, index, vocabSize);
        lengths.add(row.numTokens());
        index++;
      }
    }
    return new ShardScan(uri, lengths.stream().mapToInt(Integer::intValue).toArray(), problem);
  }

  private static String check(ShardRow row, int index, int vocabSize) {
    if (row.numTokens() == 0) return "row " + index + " (example " + row.exampleId() + ") is empty";
    for (int t = 0; t < row.numTokens(); t++) {
      int id = row.inputIds()[t], label = row.labels()[t];
      if (id < 0 || id >= vocabSize)
        return "row " + index + " (example " + row.exampleId() + ") has token id " + id + " at position " + t
            + ", outside the model's vocabulary of " + vocabSize;
      if (label != TokenizedExample.IGNORE && (label < 0 || label >= vocabSize))
        return "row " + index + " (example " + row.exampleId() + ") has label " + label + " at position " + t
            + ", outside the model's vocabulary of " + vocabSize;
    }
    return null;
  }

  /**
   * The lengths of all rows of the scanned shards in order; refuses (exit 4) a shard with a bad row or whose row count
   * differs from the manifest's.
   */
  public static int[] lengths(List<ShardScan> scans, List<Long> manifestRows) {
    long total = 0;
    for (int i = 0; i < scans.size(); i++) {
      ShardScan s = scans.get(i);
      if (s.problem() != null) throw NomoatException.inputData(s.uri() + ": " + s.problem() + " (shards tokenized for another model?)");
      if (s.lengths().length != manifestRows.get(i))
        throw NomoatException.inputData(s.uri() + " has " + s.lengths().length + " rows but the manifest lists " + manifestRows.get(i));
      total += s.lengths().length;
    }
    if (total > Integer.MAX_VALUE - 8) throw NomoatException.inputData("more than 2^31 rows in one split are not supported");
    int[] out = new int[(int) total];
    int at = 0;
    for (ShardScan s : scans) {
      System.arraycopy(s.lengths(), 0, out, at, s.lengths().length);
      at += s.lengths().length;
    }
    return out;
  }
}
