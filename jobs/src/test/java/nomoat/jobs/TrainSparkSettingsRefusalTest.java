package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `nomoat train` refuses Spark settings training cannot run under (TrainingSparkChecks at the driver): exit 3, one line. */
@Tag("integration")
class TrainSparkSettingsRefusalTest {
  @TempDir Path tmp;

  @Test
  void dynamicAllocationAndATooSmallResultSizeAreRefusedBeforeTraining() throws Exception {
    String data = TrainFixtures.prepared();
    LocalSpark.stop();                       // the stage starts its own session with these settings
    List<String> args = new ArrayList<>(List.of("train"));
    args.addAll(TrainJobTest.base(data, tmp.resolve("out").toUri().toString(), "train.workers=2", "train.max-steps=1",
        "spark.master=local[2]", "spark.conf.\"spark.ui.enabled\"=false",
        "spark.conf.\"spark.driver.host\"=127.0.0.1", "spark.conf.\"spark.driver.bindAddress\"=127.0.0.1",
        "spark.conf.\"spark.dynamicAllocation.enabled\"=true", "spark.conf.\"spark.driver.maxResultSize\"=1k"));
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code;
    try {
      code = Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    } finally {
      SparkSession.getDefaultSession().foreach(s -> { s.stop(); return null; });
      SparkSession.clearActiveSession();
      SparkSession.clearDefaultSession();
    }
    assertEquals(3, code, err.toString());
    String[] lines = err.toString().strip().split("\n");
    assertEquals(1, lines.length, "one line: " + err);
    assertTrue(lines[0].contains("spark.dynamicAllocation.enabled=true: training needs a fixed set of executors"), lines[0]);
    assertTrue(lines[0].contains("spark.driver.maxResultSize=1k is below one step's gradient results (2 tasks x"), lines[0]);
    assertFalse(Files.exists(tmp.resolve("out/_SUCCESS")));
    assertFalse(Files.exists(tmp.resolve("out/metrics.jsonl")));
  }
}
