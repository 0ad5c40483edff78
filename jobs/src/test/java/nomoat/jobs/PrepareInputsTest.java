package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import nomoat.pipeline.shard.Manifest;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every input file accounted for, byte-identical shards, and a broken compressed input as a data error. */
@Tag("integration")
class PrepareInputsTest {
  @TempDir Path tmp;

  @Test
  void aZeroByteFileNextToAGoodOneIsCountedWithZeroRows() throws Exception {
    SparkSession spark = LocalSpark.get();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path in = Files.createDirectories(tmp.resolve("in"));
    Files.copy(Path.of(java.net.URI.create(PrepareJobTest.GSM8K)), in.resolve("good.json"));
    Files.write(in.resolve("empty.jsonl"), new byte[0]);
    Files.writeString(in.resolve("empty-array.json"), "[]");
    String out = tmp.resolve("out").toUri().toString();
    PrepareJob.Summary s = PrepareJob.run(spark, PrepareJobTest.config(out, PrepareJobTest.TINYLLAMA, "alpaca",
        "[{name = gsm8k, paths = [\"" + in.toUri() + "\"]}, {name = nothing, paths = [\"" + in.resolve("empty.jsonl").toUri() + "\"]}]"), false);
    assertEquals(300, s.rowsRead());
    Manifest m = Manifest.read(conf, out + "/manifest.json");
    assertEquals(Map.of("gsm8k", 300L, "nothing", 0L), m.stats().rowsReadBySource());
    String base = new org.apache.hadoop.fs.Path(in.toUri()).toString().replaceAll("/$", "");
    assertEquals(Map.of(base + "/good.json", 300L, base + "/empty.jsonl", 0L, base + "/empty-array.json", 0L),
        m.stats().rowsReadByFile());
  }

  @Test
  void onlyEmptyInputsFailNamingTheFiles() throws Exception {
    SparkSession spark = LocalSpark.get();
    Path in = Files.createDirectories(tmp.resolve("in"));
    Files.write(in.resolve("empty.jsonl"), new byte[0]);
    var e = assertThrows(nomoat.pipeline.NomoatException.class, () -> PrepareJob.run(spark, PrepareJobTest.config(
        tmp.resolve("out").toUri().toString(), PrepareJobTest.TINYLLAMA, "alpaca", "[{name = e, paths = [\"" + in.toUri() + "\"]}]"), false));
    assertEquals(nomoat.pipeline.NomoatException.ExitCode.INPUT_DATA, e.exitCode());
    assertTrue(e.getMessage().contains("empty.jsonl"), e.getMessage());
  }

  @Test
  void shardsAreByteIdenticalAcrossRunsAndParallelism() throws Exception {
    SparkSession spark = LocalSpark.get();
    String sources = "[{name = gsm8k, paths = [\"" + PrepareJobTest.GSM8K + "\"]}]";
    Path a = tmp.resolve("a"), b = tmp.resolve("b");
    PrepareJob.run(spark, PrepareJobTest.config(a.toUri().toString(), PrepareJobTest.TINYLLAMA, "alpaca", sources,
        "prepare.shards.train=3", "prepare.parallelism=1"), false);
    PrepareJob.run(spark, PrepareJobTest.config(b.toUri().toString(), PrepareJobTest.TINYLLAMA, "alpaca", sources,
        "prepare.shards.train=3", "prepare.parallelism=5"), false);
    Map<Path, byte[]> sa = PrepareJobTest.snapshot(a.resolve("data")), sb = PrepareJobTest.snapshot(b.resolve("data"));
    assertEquals(4, sa.keySet().stream().filter(p -> p.toString().endsWith(".parquet")).count(), sa.keySet().toString());
    PrepareJobTest.assertSnapshotEquals(sa, sb);
    for (var e : sa.entrySet()) {
      if (!e.getKey().toString().endsWith(".parquet")) continue;
      byte[] f = e.getValue();
      int len = ByteBuffer.wrap(f, f.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
      FileMetaData footer = Util.readFileMetaData(new ByteArrayInputStream(f, f.length - 8 - len, len));
      for (RowGroup g : footer.getRow_groups()) {
        for (ColumnChunk c : g.getColumns()) {
          var values = c.getMeta_data().getEncodings().stream().mapToInt(x -> x.getValue()).toArray();
          int[] sorted = values.clone();
          Arrays.sort(sorted);
          assertArrayEquals(sorted, values, "encodings in a fixed order in " + e.getKey()); // the order a JVM's hash codes gave flipped
        }
      }
    }
  }

  @Test
  void aTruncatedGzipExitsFourNamingTheFileAndLeavesNoStagingDirectory() throws Exception {
    LocalSpark.get();
    Path in = Files.createDirectories(tmp.resolve("in"));
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write("{\"instruction\": \"say hi\", \"input\": \"\", \"output\": \"hi\"}\n".repeat(3000).getBytes());
    }
    byte[] whole = bytes.toByteArray();
    Path broken = in.resolve("rows.jsonl.gz");
    Files.write(broken, Arrays.copyOf(whole, whole.length / 2));
    Path job = tmp.resolve("job.conf");
    Files.writeString(job, "prepare {\n output = \"" + tmp.resolve("out").toUri() + "\"\n tokenizer = \"" + PrepareJobTest.TINYLLAMA
        + "\"\n sources = [ { name = g, paths = [\"" + broken.toUri() + "\"] } ]\n}\n");
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(new String[] {"prepare", "--conf", job.toString()}, new PrintWriter(out, true), new PrintWriter(err, true));
    String line = err.toString().strip();
    assertEquals(4, code, line);
    assertEquals(1, line.lines().count(), line);
    assertTrue(line.contains("rows.jsonl.gz") && line.contains("truncated or corrupt"), line);
    try (var left = Files.walk(tmp)) {
      List<String> names = left.map(p -> tmp.relativize(p).toString()).filter(p -> !p.startsWith("in")).sorted().toList();
      assertEquals(List.of("", "job.conf"), names, "no output and no staging directory left");
    }
  }
}
