package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The test services themselves work: a file written through the Hadoop FS API on HDFS and S3 reads back through Spark. */
@Tag("integration")
class StorageSmokeTest {

  @Test
  void hdfsAndS3RoundTripThroughSpark() throws Exception {
    var spark = LocalSpark.get();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    S3.configure(conf);
    for (String base : new String[] {Hdfs.uri() + "/smoke", S3.uri("smoke")}) {
      Path p = new Path(base + "/a.txt");
      FileSystem fs = p.getFileSystem(conf);
      try (FSDataOutputStream out = fs.create(p, true)) {
        out.write("one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8));
      }
      assertEquals(3L, spark.read().textFile(p.toString()).count(), base);
    }
  }
}
