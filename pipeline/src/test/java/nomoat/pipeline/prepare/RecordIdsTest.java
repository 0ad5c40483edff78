package nomoat.pipeline.prepare;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class RecordIdsTest {
  @Test
  void relativePathsDoNotDependOnTheStore() {
    String local = RecordIds.root("file:/data/sets/*.jsonl", false);
    String hdfs = RecordIds.root("hdfs://nn:8020/data/sets/*.jsonl", false);
    assertEquals("file:/data/sets/", local);
    assertEquals("hdfs://nn:8020/data/sets/", hdfs);
    assertEquals(RecordIds.relative("file:/data/sets/a.jsonl", local), RecordIds.relative("hdfs://nn:8020/data/sets/a.jsonl", hdfs));
    assertEquals("2024/a.jsonl", RecordIds.relative("s3a://b/x/2024/a.jsonl", RecordIds.root("s3a://b/x/*/a.jsonl", false)));
    assertEquals("s3a://b/x/", RecordIds.root("s3a://b/x", true));
    assertEquals("a.jsonl", RecordIds.relative("s3a://b/x/a.jsonl", RecordIds.root("s3a://b/x/a.jsonl", false)));
    assertEquals(":line 12", RecordIds.position("file:/data/a.jsonl:line 12", "file:/data/a.jsonl"));
  }

  @Test
  void contentKeyComparesEveryElement() {
    assertEquals(new ContentKey(new int[] {1, 2}, new int[] {-100, 2}), new ContentKey(new int[] {1, 2}, new int[] {-100, 2}));
    assertNotEquals(new ContentKey(new int[] {1, 2}, new int[] {-100, 2}), new ContentKey(new int[] {1, 2}, new int[] {1, 2}));
  }
}
