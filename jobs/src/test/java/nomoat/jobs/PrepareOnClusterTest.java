package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import nomoat.pipeline.shard.Manifest;
import nomoat.pipeline.shard.ShardReader;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * prepare on a real multi-JVM Spark cluster (local-cluster: a master, a worker and two executor JVMs), so every
 * closure, broadcast and per-JVM cache crosses a process boundary as on a real cluster; the result must equal the
 * in-process run's shards byte for byte.
 */
@Tag("slow")
@Tag("integration")
class PrepareOnClusterTest {
  @TempDir Path tmp;

  @Test
  void multiJvmClusterGivesTheSameShardsAsLocal() throws Exception {
    String sources = "[{name = self-instruct, paths = [\"" + PrepareJobTest.SELF_INSTRUCT + "\"]}, {name = oasst, paths = [\""
        + PrepareJobTest.OASST + "\"], record-format = sharegpt}]";
    String local = tmp.resolve("local").toUri().toString(), cluster = tmp.resolve("cluster").toUri().toString();
    SparkSession inProcess = LocalSpark.get();
    PrepareJob.Summary l = PrepareJob.run(inProcess, PrepareJobTest.config(local, PrepareJobTest.TINYLLAMA, "tokenizer", sources,
        "prepare.max-length=4096", "prepare.shards.train=3"), false);
    LocalSpark.stop();

    Path sparkHome = fakeSparkHome();
    System.setProperty("spark.testing", "true");
    System.setProperty("spark.test.home", sparkHome.toString());
    SparkSession spark = SparkSession.builder().master("local-cluster[2,1,1024]").appName("nomoat-cluster-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
        .config("spark.executor.extraJavaOptions", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED "
            + "--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED")
        .getOrCreate();
    try {
      long deadline = System.currentTimeMillis() + 120_000;
      while (spark.sparkContext().getExecutorMemoryStatus().size() < 3 && System.currentTimeMillis() < deadline) Thread.sleep(200);
      assertEquals(2, spark.sparkContext().getExecutorMemoryStatus().size() - 1, "two executor JVMs besides the driver");
      PrepareJob.Summary c = PrepareJob.run(spark, PrepareJobTest.config(cluster, PrepareJobTest.TINYLLAMA, "tokenizer", sources,
          "prepare.max-length=4096", "prepare.shards.train=3"), false);
      assertEquals(l.examples(), c.examples());
      assertEquals(l.tokens(), c.tokens());
      Configuration conf = new Configuration();
      Manifest ml = Manifest.read(conf, local + "/manifest.json"), mc = Manifest.read(conf, cluster + "/manifest.json");
      assertEquals(ml.shards(), mc.shards());
      for (Manifest.ShardFile f : mc.shards().get("train")) {
        assertEquals(ShardReader.readAll(conf, local + "/" + f.path()), ShardReader.readAll(conf, cluster + "/" + f.path()));
      }
    } finally {
      spark.stop();
      System.clearProperty("spark.testing");
    }
  }

  /** What local-cluster needs of a Spark home: jars/ (the test classpath's jars) and the launcher's class dir. */
  private Path fakeSparkHome() throws Exception {
    Path home = tmp.resolve("spark-home");
    Path jars = Files.createDirectories(home.resolve("jars"));
    Files.createDirectories(home.resolve("launcher/target/scala-2.13"));
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    for (String entry : cp.split(File.pathSeparator)) {
      Path p = Path.of(entry);
      if (entry.endsWith(".jar") && Files.exists(p) && !Files.exists(jars.resolve(p.getFileName()))) {
        Files.createSymbolicLink(jars.resolve(p.getFileName()), p);
      }
    }
    return home;
  }
}
