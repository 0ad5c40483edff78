package nomoat.pipeline.shard;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Random;
import nomoat.pipeline.data.RejectReason;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.data.TokenizedExample;
import org.junit.jupiter.api.Test;

class DatasetStatsTest {

  static TokenizedExample example(String source, int len, boolean truncated) {
    int[] ids = new int[len];
    int[] labels = new int[len];
    for (int i = 0; i < len; i++) labels[i] = i % 2 == 0 ? TokenizedExample.IGNORE : i;
    return new TokenizedExample(source + len, source, ids, labels, truncated);
  }

  /** A partition's worth of random activity. */
  static DatasetStats random(Random rnd) {
    DatasetStats s = new DatasetStats();
    String[] sources = {"alpaca", "gsm8k", "oasst"};
    RejectReason[] reasons = RejectReason.values();
    for (int i = 0; i < 50; i++) {
      String src = sources[rnd.nextInt(3)];
      s.recordRowRead(src, "file:/data/" + src + "-" + rnd.nextInt(2) + ".jsonl");
      switch (rnd.nextInt(4)) {
        case 0 -> s.recordRejection(new Rejection(src, "f:line " + i, reasons[rnd.nextInt(reasons.length)], "d", "r"));
        case 1 -> s.recordDuplicateRemoved();
        default -> {
          TokenizedExample e = example(src, 1 + rnd.nextInt(600), rnd.nextInt(10) == 0);
          String split = rnd.nextInt(10) == 0 ? DatasetStats.VALIDATION : DatasetStats.TRAIN;
          s.recordExample(e, split);
          s.recordShardRow(ShardRow.of(e), split);
        }
      }
    }
    return s;
  }

  @Test
  void everyMatchedFileIsCountedEvenWithoutRows() {
    DatasetStats planned = new DatasetStats();
    planned.recordFileMatched("a", "file:/in/a/good.jsonl");
    planned.recordFileMatched("a", "file:/in/a/empty.jsonl");
    planned.recordFileMatched("b", "file:/in/b/empty.json");
    DatasetStats read = new DatasetStats();
    read.recordRowRead("a", "file:/in/a/good.jsonl");
    read.recordRowRead("a", "file:/in/a/good.jsonl");
    DatasetStats s = planned.merge(read);
    assertEquals(Map.of("a", 2L, "b", 0L), s.rowsReadBySource(), "a source whose files are all empty is listed with 0");
    assertEquals(Map.of("file:/in/a/good.jsonl", 2L, "file:/in/a/empty.jsonl", 0L, "file:/in/b/empty.json", 0L), s.rowsReadByFile());
    assertEquals(List.of("file:/in/a/empty.jsonl", "file:/in/b/empty.json"), s.filesWithoutRows());
    assertEquals(2, s.rowsRead());
    assertNotEquals(read, s);
  }

  @Test
  void recordsAndDerivedFigures() {
    DatasetStats s = new DatasetStats();
    s.recordRowRead("a");
    s.recordRowRead("a");
    s.recordRowRead("b");
    s.recordRejection(new Rejection("b", "x.jsonl:line 3", RejectReason.MALFORMED_JSON, "bad", "{"));
    for (int len = 1; len <= 100; len++) {
      TokenizedExample e = example("a", len, len == 100);
      s.recordExample(e, len <= 90 ? DatasetStats.TRAIN : DatasetStats.VALIDATION);
    }
    s.recordShardRow(ShardRow.of(example("a", 10, false)), DatasetStats.TRAIN);
    s.recordDuplicateRemoved();
    assertEquals(Map.of("a", 2L, "b", 1L), s.rowsReadBySource());
    assertEquals(Map.of("train", 90L, "validation", 10L), s.examplesBySplit());
    assertEquals(Map.of("a", 100L), s.examplesBySource());
    assertEquals(Map.of("malformed_json", 1L), s.rejectedByReason());
    assertEquals(Map.of("b", Map.of("malformed_json", 1L)), s.rejectedBySource());
    assertEquals(10, s.tokens());
    assertEquals(5, s.trainedTokens());
    assertEquals(1, s.shardRows());
    assertEquals(1, s.truncated());
    assertEquals(1, s.duplicatesRemoved());
    assertEquals(50, s.lengthPercentile(50));
    assertEquals(90, s.lengthPercentile(90));
    assertEquals(95, s.lengthPercentile(95));
    assertEquals(99, s.lengthPercentile(99));
    assertEquals(100, s.maxLength());
    assertEquals(List.of(new DatasetStats.Bucket(0, 32, 31), new DatasetStats.Bucket(32, 64, 32), new DatasetStats.Bucket(64, 128, 37)),
        s.coarseHistogram());
    assertEquals(0, new DatasetStats().lengthPercentile(50));
  }

  @Test
  void mergeIsAssociativeCommutativeAndPure() {
    Random rnd = new Random(11);
    for (int trial = 0; trial < 20; trial++) {
      DatasetStats a = random(rnd), b = random(rnd), c = random(rnd);
      DatasetStats aCopy = a.merge(new DatasetStats());
      assertEquals(a.merge(b).merge(c), a.merge(b.merge(c)));
      assertEquals(a.merge(b), b.merge(a));
      assertEquals(aCopy, a, "merge leaves its inputs alone");
      DatasetStats all = a.merge(b).merge(c);
      assertEquals(a.rowsRead() + b.rowsRead() + c.rowsRead(), all.rowsRead());
      assertEquals(a.rejected() + b.rejected() + c.rejected(), all.rejected());
      assertEquals(150, all.rowsRead());
    }
  }

  @Test
  void survivesJavaSerializationAsSparkShipsIt() throws Exception {
    DatasetStats s = random(new Random(3));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(s);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(s, in.readObject());
    }
  }
}
