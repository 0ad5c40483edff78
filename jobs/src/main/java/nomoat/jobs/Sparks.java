package nomoat.jobs;

import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.SparkSettings;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Starts (or joins) the Spark session a stage runs in. */
final class Sparks {
  private Sparks() {}

  static SparkSession session(SparkSettings settings, String stage) {
    SparkConf conf = conf(settings, stage);
    try {
      return SparkSession.builder().config(conf).getOrCreate();
    } catch (Exception | LinkageError e) { // Scala throws checked exceptions (ClassNotFoundException) undeclared
      // what Spark refused only once starting: one line with the innermost cause, as for every other bad setting
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) root = root.getCause();
      String cause = root == e ? String.valueOf(e) : e + "; cause: " + root;
      throw NomoatException.config("Spark could not start (master " + conf.get("spark.master", "?") + "): "
          + cause.strip().replaceAll("\\s*\\R\\s*", " "));
    }
  }

  /** The session's settings: the user's, then what nomoat's stages need unless the user set it. */
  static SparkConf conf(SparkSettings settings, String stage) {
    SparkConf conf = new SparkConf();
    // spark-submit sets spark.master as a system property; only fill it in when nobody did
    if (!conf.contains("spark.master")) conf.setMaster(settings.master());
    if (!conf.contains("spark.app.name")) conf.setAppName(settings.appName() + " " + stage);
    for (Map.Entry<String, String> e : settings.conf().entrySet()) conf.set(e.getKey(), e.getValue());
    // Executors need the same OpenBLAS kernel choice as the driver (see DESIGN.md: misdetected CPU).
    String coretype = System.getenv("OPENBLAS_CORETYPE");
    if (coretype != null && !coretype.isBlank() && !conf.contains("spark.executorEnv.OPENBLAS_CORETYPE")) {
      conf.set("spark.executorEnv.OPENBLAS_CORETYPE", coretype);
    }
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    // train's gradient sums (an adapter's size per task and step) come back in the task's status update rather than
    // through the block manager; read by executors when they start, so it is set here (TrainingSparkChecks warns)
    conf.setIfMissing("spark.task.maxDirectResultSize", nomoat.pipeline.train.TrainingSparkChecks.MAX_DIRECT_RESULT);
    // train broadcasts its adapter every step: dense floats that LZ4 cannot shrink, so compressing them only costs time
    if (stage.equals("train")) conf.setIfMissing("spark.broadcast.compress", nomoat.pipeline.train.TrainingSparkChecks.BROADCAST_COMPRESS);
    return conf;
  }
}
