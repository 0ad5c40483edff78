package nomoat.pipeline.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Task attempts write apart; only the accepted attempts' files are published, under their final names. */
class AttemptFilesTest {
  @TempDir Path tmp;

  @Test
  void anAttemptPathMapsBackToItsFinalPath() {
    String p = AttemptFiles.path("3-17", "data/train/part-00002.parquet");
    assertEquals("_attempts/3-17/data/train/part-00002.parquet", p);
    assertEquals("data/train/part-00002.parquet", AttemptFiles.finalPath(p));
    assertThrows(IllegalArgumentException.class, () -> AttemptFiles.finalPath("data/train/part-00002.parquet"));
    assertThrows(IllegalArgumentException.class, () -> AttemptFiles.path("a/b", "x"));
  }

  @Test
  void publishMovesTheAcceptedFilesAndDropsEveryAttempt() throws Exception {
    String staging = tmp.toUri().toString();
    Configuration conf = new Configuration();
    String winner = AttemptFiles.path("4-9", "data/train/part-00000.parquet");
    String loser = AttemptFiles.path("4-8", "data/train/part-00000.parquet"); // a speculative copy that lost
    Files.createDirectories(tmp.resolve(winner).getParent());
    Files.createDirectories(tmp.resolve(loser).getParent());
    Files.writeString(tmp.resolve(winner), "whole");
    Files.writeString(tmp.resolve(loser), "half");
    AttemptFiles.publish(conf, staging, List.of(winner));
    assertEquals("whole", Files.readString(tmp.resolve("data/train/part-00000.parquet")));
    assertFalse(Files.exists(tmp.resolve(AttemptFiles.ATTEMPTS_DIR)));
  }
}
