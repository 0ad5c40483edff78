package nomoat.pipeline.shard;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.TokenizedExample;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ShardWriter → Parquet file → ShardReader. */
class ShardFilesTest {
  @TempDir Path tmp;
  static final Configuration CONF = new Configuration();

  private String uri(String name) { return new org.apache.hadoop.fs.Path(tmp.resolve(name).toUri()).toString(); }

  static List<ShardRow> sampleRows(Random rnd, int n) {
    List<ShardRow> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int len = rnd.nextInt(30);
      int[] ids = new int[len];
      int[] labels = new int[len];
      for (int t = 0; t < len; t++) {
        ids[t] = rnd.nextInt(32000);
        labels[t] = rnd.nextBoolean() ? ids[t] : TokenizedExample.IGNORE;
      }
      if (i % 3 == 0) {
        int[] seg = new int[len];
        int[] pos = new int[len];
        for (int t = 0; t < len; t++) { seg[t] = 1 + t / 7; pos[t] = t % 7; }
        rows.add(new ShardRow("id" + i + ",id" + i + "b", "alpaca,sharegpt", ids, labels, seg, pos));
      } else {
        rows.add(new ShardRow("id" + i, "s\u00e9", ids, labels, null, null));
      }
    }
    return rows;
  }

  @Test
  void roundTripKeepsEveryRowAndFileHasTheDocumentedSchema() throws Exception {
    List<ShardRow> rows = sampleRows(new Random(1), 500);
    String uri = uri("part-00000.parquet");
    try (ShardWriter w = ShardWriter.open(CONF, uri, ShardWriter.Options.defaults())) {
      for (ShardRow r : rows) w.write(r);
      assertEquals(500, w.rows());
      assertEquals(rows.stream().mapToLong(ShardRow::numTokens).sum(), w.tokens());
      assertEquals(rows.stream().mapToLong(ShardRow::numTrainedTokens).sum(), w.trainedTokens());
    }
    assertEquals(rows, ShardReader.readAll(CONF, uri));

    try (ParquetFileReader f = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(uri), CONF))) {
      ParquetMetadata footer = f.getFooter();
      assertEquals(ShardSchema.MESSAGE, footer.getFileMetaData().getSchema());
      assertEquals("1", footer.getFileMetaData().getKeyValueMetaData().get(ShardSchema.VERSION_KEY));
      assertEquals(500, f.getRecordCount());
      assertEquals(ShardCompression.best(), footer.getBlocks().get(0).getColumns().get(0).getCodec());
    }
  }

  @Test
  void everyWorkingCodecRoundTrips() {
    List<ShardRow> rows = sampleRows(new Random(2), 50);
    for (String codec : List.of("zstd", "snappy", "gzip", "none")) {
      CompressionCodecName name = switch (codec) {
        case "zstd" -> CompressionCodecName.ZSTD;
        case "snappy" -> CompressionCodecName.SNAPPY;
        case "gzip" -> CompressionCodecName.GZIP;
        default -> CompressionCodecName.UNCOMPRESSED;
      };
      if (!ShardCompression.works(name)) continue;
      String uri = uri("c-" + codec + ".parquet");
      try (ShardWriter w = ShardWriter.open(CONF, uri, ShardWriter.Options.defaults().withCompression(codec))) {
        rows.forEach(w::write);
      }
      assertEquals(rows, ShardReader.readAll(CONF, uri), codec);
    }
    // On this project's classpath both zstd-jni and snappy-java are present and load.
    assertEquals(CompressionCodecName.ZSTD, ShardCompression.best());
    assertEquals(NomoatException.ExitCode.CONFIG, assertThrows(NomoatException.class, () -> ShardCompression.resolve("lzma")).exitCode());
  }

  @Test
  void aParquetFileThatIsNotAShardIsRefusedByName() throws Exception {
    String uri = uri("other.parquet");
    org.apache.parquet.schema.MessageType schema = org.apache.parquet.schema.MessageTypeParser.parseMessageType(
        "message m { required int32 x; }");
    try (var w = org.apache.parquet.hadoop.example.ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(uri))
        .withType(schema).withConf(CONF).build()) {
      w.write(new org.apache.parquet.example.data.simple.SimpleGroupFactory(schema).newGroup().append("x", 1));
    }
    NomoatException e = assertThrows(NomoatException.class, () -> ShardReader.readAll(CONF, uri));
    assertEquals(NomoatException.ExitCode.INPUT_DATA, e.exitCode());
    assertTrue(e.getMessage().startsWith(uri + " is not a nomoat shard"), e.getMessage());
  }

  @Test
  void aShardOfAnotherSchemaVersionIsRefused() throws Exception {
    String uri = uri("future.parquet");
    try (var w = org.apache.parquet.hadoop.example.ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(uri))
        .withType(ShardSchema.MESSAGE).withExtraMetaData(java.util.Map.of(ShardSchema.VERSION_KEY, "2")).withConf(CONF).build()) {
      var g = new org.apache.parquet.example.data.simple.SimpleGroupFactory(ShardSchema.MESSAGE).newGroup()
          .append("example_id", "e").append("source", "s").append("num_tokens", 0).append("num_trained_tokens", 0);
      g.addGroup("input_ids");
      g.addGroup("labels");
      w.write(g);
    }
    NomoatException e = assertThrows(NomoatException.class, () -> ShardReader.readAll(CONF, uri));
    assertEquals(uri + " has shard schema version 2; this nomoat reads version 1 (re-run prepare)", e.getMessage());
  }

  @Test
  void sameRowsGiveByteIdenticalFiles() throws Exception {
    List<ShardRow> rows = sampleRows(new Random(4), 300);
    for (String name : List.of("a.parquet", "b.parquet")) {
      try (ShardWriter w = ShardWriter.open(CONF, uri(name), ShardWriter.Options.defaults())) {
        rows.forEach(w::write);
      }
    }
    assertArrayEquals(java.nio.file.Files.readAllBytes(tmp.resolve("a.parquet")), java.nio.file.Files.readAllBytes(tmp.resolve("b.parquet")),
        "a rerun of prepare reproduces its shards exactly");
  }
}
