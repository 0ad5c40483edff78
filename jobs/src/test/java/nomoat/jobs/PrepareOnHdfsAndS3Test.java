package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.shard.Manifest;
import nomoat.pipeline.shard.ShardReader;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Tag;

/**
 * The same prepare against real HDFS (MiniDFSCluster) and a real S3 API (s3proxy through s3a://): inputs, tokenizer
 * and output all live on the remote store, and the result equals the local run's.
 */
@Tag("integration")
class PrepareOnHdfsAndS3Test {

  @ParameterizedTest
  @ValueSource(strings = {"hdfs", "s3a"})
  void prepareReadsAndCommitsOnRemoteStorage(String scheme) throws Exception {
    SparkSession spark = LocalSpark.get();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    S3.configure(conf);
    String base = scheme.equals("hdfs") ? Hdfs.uri() + "/nomoat-test" : S3.uri("nomoat-test");
    copy(conf, Fixtures.dataset("self_instruct_seed_tasks_alpaca.json"), base + "/datasets/self_instruct_seed_tasks_alpaca.json");
    copy(conf, Fixtures.dataset("oasst_en100_best_path_sharegpt.json"), base + "/datasets/oasst_en100_best_path_sharegpt.json");
    copy(conf, Fixtures.tokenizerDir("tinyllama-1.1b-chat-v1.0").resolve("tokenizer.json"), base + "/tok/tokenizer.json");
    copy(conf, Fixtures.tokenizerDir("tinyllama-1.1b-chat-v1.0").resolve("tokenizer_config.json"), base + "/tok/tokenizer_config.json");

    String sources = "[{name = si, paths = [\"" + base + "/datasets/self*.json\"]}, {name = oasst, paths = [\"" + base
        + "/datasets/oasst*.json\"], record-format = sharegpt}]";
    String out = base + "/prepared";
    PrepareJob.Summary s = PrepareJob.run(spark, PrepareJobTest.config(out, base + "/tok", "tokenizer", sources,
        "prepare.max-length=4096", "prepare.shards.train=2"), false);
    assertEquals(270, s.rowsRead());
    assertEquals(270, s.examples());
    assertTrue(Storage.exists(conf, out + "/_SUCCESS"));
    Manifest m = Manifest.read(conf, out + "/manifest.json");
    long rows = 0;
    for (Manifest.ShardFile f : m.shards().get("train")) rows += ShardReader.readAll(conf, out + "/" + f.path()).size();
    assertEquals(s.trainRows(), rows);
    assertEquals(s.trainRows(), spark.read().parquet(out + "/data/train").count());

    // The same inputs read locally give the same examples: storage does not change the data.
    java.nio.file.Path local = java.nio.file.Files.createTempDirectory("nomoat-local");
    String localSources = "[{name = si, paths = [\"" + Fixtures.dataset("self_instruct_seed_tasks_alpaca.json").toUri()
        + "\"]}, {name = oasst, paths = [\"" + Fixtures.dataset("oasst_en100_best_path_sharegpt.json").toUri() + "\"], record-format = sharegpt}]";
    PrepareJob.Summary l = PrepareJob.run(spark, PrepareJobTest.config(local.resolve("out").toUri().toString(), PrepareJobTest.TINYLLAMA,
        "tokenizer", localSources, "prepare.max-length=4096", "prepare.shards.train=2"), false);
    assertEquals(l.tokens(), s.tokens());
    assertEquals(l.trainedTokens(), s.trainedTokens());
    // ids are relative to the dataset's root, so the split and the shuffle do not depend on the store either
    Manifest lm = Manifest.read(conf, local.resolve("out").toUri() + "/manifest.json");
    assertEquals(lm.shards(), m.shards());
    for (Manifest.ShardFile f : m.shards().get("train")) {
      assertEquals(ShardReader.readAll(conf, local.resolve("out").toUri() + "/" + f.path()), ShardReader.readAll(conf, out + "/" + f.path()));
    }

    // A committed remote output refuses a rerun without --force.
    NomoatException e = assertThrows(NomoatException.class, () -> PrepareJob.run(spark,
        PrepareJobTest.config(out, base + "/tok", "tokenizer", sources, "prepare.max-length=4096"), false));
    assertEquals(NomoatException.ExitCode.OUTPUT_EXISTS, e.exitCode());
  }

  static void copy(Configuration conf, java.nio.file.Path local, String remote) throws Exception {
    Path dst = new Path(remote);
    FileUtil.copy(new java.io.File(local.toString()), dst.getFileSystem(conf), dst, false, conf);
  }
}
