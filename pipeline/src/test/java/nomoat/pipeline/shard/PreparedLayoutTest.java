package nomoat.pipeline.shard;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class PreparedLayoutTest {
  @Test
  void pathsAreRelativeAndResolveOnAnyFileSystem() {
    assertEquals("data/train/part-00007.parquet", PreparedLayout.shardFile("train", 7));
    assertEquals("data/validation/part-00000.parquet", PreparedLayout.shardFile("validation", 0));
    assertEquals("rejected/part-00012.jsonl", PreparedLayout.rejectedFile(12));
    assertEquals("s3a://bucket/runs/p1/manifest.json", PreparedLayout.resolve("s3a://bucket/runs/p1/", PreparedLayout.MANIFEST));
    assertEquals("hdfs://nn:8020/p/data/train/part-00001.parquet",
        PreparedLayout.resolve("hdfs://nn:8020/p", PreparedLayout.shardFile("train", 1)));
    assertThrows(IllegalArgumentException.class, () -> PreparedLayout.shardFile("test", 0));
  }
}
