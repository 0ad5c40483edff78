package nomoat.jobs;

import org.apache.spark.sql.SparkSession;

/** One local[2] Spark session per test JVM (starting Spark costs seconds; every test class shares it). */
public final class LocalSpark {
  private static SparkSession session;

  private LocalSpark() {}

  /** Stops the shared session (a test that needs another master); the next get() starts a new one. */
  public static synchronized void stop() {
    if (session != null) session.stop();
    session = null;
  }

  public static synchronized SparkSession get() {
    if (session == null || session.sparkContext().isStopped()) {
      session = SparkSession.builder()
          .master("local[2]")
          .appName("nomoat-tests")
          .config("spark.ui.enabled", "false")
          .config("spark.sql.shuffle.partitions", "4")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .getOrCreate();
      SparkSession started = session;
      Runtime.getRuntime().addShutdownHook(new Thread(started::stop));
    }
    return session;
  }
}
