package nomoat.pipeline.prepare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.io.AttemptFiles;
import nomoat.pipeline.shard.DatasetStats;
import nomoat.pipeline.shard.Manifest;

/**
 * What the shard tasks wrote, as the manifest lists it: each split's files under their final names (in shard order),
 * the statistics of reading and writing merged, and the attempt files to publish.
 */
public record WrittenShards(Map<String, List<Manifest.ShardFile>> files, DatasetStats stats, List<String> attemptPaths) {

  /** {@code written}: one per shard task, in shard order, paths as the tasks wrote them (below {@code _attempts/}). */
  public static WrittenShards of(List<ShardTask.Written> written, DatasetStats readStats) {
    Map<String, List<Manifest.ShardFile>> files = new LinkedHashMap<>();
    files.put(DatasetStats.TRAIN, new ArrayList<>());
    files.put(DatasetStats.VALIDATION, new ArrayList<>());
    List<String> attempts = new ArrayList<>();
    DatasetStats stats = readStats;
    for (ShardTask.Written w : written) {
      stats = stats.merge(w.stats());
      if (w.path() == null) continue;
      files.get(w.split()).add(new Manifest.ShardFile(AttemptFiles.finalPath(w.path()), w.rows(), w.tokens(), w.trainedTokens()));
      attempts.add(w.path());
    }
    return new WrittenShards(files, stats, attempts);
  }

  /** Fails when the split sent every example to validation. */
  public void requireTrainingRows() {
    if (stats.rowsBySplit().getOrDefault(DatasetStats.TRAIN, 0L) == 0) {
      throw NomoatException.inputData("the split left no training examples; lower prepare.split.validation-fraction");
    }
  }
}
