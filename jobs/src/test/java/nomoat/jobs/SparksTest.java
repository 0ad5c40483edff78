package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import nomoat.pipeline.config.SparkSettings;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class SparksTest {
  private static SparkConf conf(String stage, Map<String, String> user) {
    return Sparks.conf(new SparkSettings("local[1]", "nomoat", user), stage);
  }

  @Test
  void trainTurnsBroadcastCompressionOffUnlessTheUserSetIt() {
    assertEquals("false", conf("train", Map.of()).get("spark.broadcast.compress"));
    assertEquals("true", conf("train", Map.of("spark.broadcast.compress", "true")).get("spark.broadcast.compress"));
    assertFalse(conf("prepare", Map.of()).contains("spark.broadcast.compress"), "other stages keep Spark's default");
  }

  @Test
  void everyStageSendsSmallTaskResultsDirectlyUnlessTheUserSetIt() {
    assertEquals(nomoat.pipeline.train.TrainingSparkChecks.MAX_DIRECT_RESULT, conf("prepare", Map.of()).get("spark.task.maxDirectResultSize"));
    assertEquals("4m", conf("train", Map.of("spark.task.maxDirectResultSize", "4m")).get("spark.task.maxDirectResultSize"));
    assertEquals("nomoat train", conf("train", Map.of()).get("spark.app.name"));
  }
}
