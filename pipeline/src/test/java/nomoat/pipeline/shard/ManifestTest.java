package nomoat.pipeline.shard;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import nomoat.pipeline.NomoatException;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest {
  @TempDir Path tmp;

  static Manifest sample() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("seq_len", 512);
    config.put("sources", List.of(Map.of("name", "alpaca", "path", "s3a://bucket/alpaca/*.jsonl")));
    config.put("template", "alpaca");
    return new Manifest(Manifest.SCHEMA_VERSION, "0.1.0", Instant.parse("2026-11-26T16:00:00.123Z"),
        new Manifest.Tokenizer("tokenizer.json", "ab".repeat(32)), "alpaca", 512, true,
        new Manifest.Split(42, 0.05, null),
        Map.of("train", List.of(new Manifest.ShardFile("data/train/part-00000.parquet", 10, 5000, 2500),
                new Manifest.ShardFile("data/train/part-00001.parquet", 7, 3000, 1000)),
            "validation", List.of(new Manifest.ShardFile("data/validation/part-00000.parquet", 1, 400, 200))),
        DatasetStatsTest.random(new Random(9)), config);
  }

  @Test
  void roundTripThroughAFile() {
    Manifest m = sample();
    String uri = new org.apache.hadoop.fs.Path(tmp.resolve("out/manifest.json").toUri()).toString();
    m.write(new Configuration(), uri);
    assertEquals(m, Manifest.read(new Configuration(), uri));
  }

  @Test
  void jsonHasTheDocumentedKeys() throws Exception {
    Manifest m = sample();
    JsonNode root = new ObjectMapper().readTree(m.toJson());
    assertEquals(1, root.get("schema_version").asInt());
    assertEquals("2026-11-26T16:00:00.123Z", root.get("created").asText());
    assertEquals("tokenizer.json", root.at("/tokenizer/file").asText());
    assertTrue(root.at("/split/validation_count").isNull());
    assertEquals(0.05, root.at("/split/validation_fraction").asDouble());
    assertEquals(2, root.at("/shards/train").size());
    assertEquals(2500, root.at("/shards/train/0/trained_tokens").asLong());
    DatasetStats st = m.stats();
    assertEquals(st.tokens(), root.at("/stats/tokens/total").asLong());
    assertEquals(st.rejected(), root.at("/stats/rejected/total").asLong());
    assertEquals(st.lengthPercentile(95), root.at("/stats/lengths/p95").asInt());
    assertEquals(st.coarseHistogram().size(), root.at("/stats/lengths/histogram").size());
    assertEquals("s3a://bucket/alpaca/*.jsonl", root.at("/config/sources/0/path").asText());
  }

  @Test
  void rowsReadByFileListsEmptyFilesAndOlderManifestsWithoutItStillRead() throws Exception {
    DatasetStats st = DatasetStatsTest.random(new Random(10));
    st.recordFileMatched("alpaca", "file:/data/empty.jsonl");
    Manifest m = sample();
    m = new Manifest(m.schemaVersion(), m.nomoatVersion(), m.created(), m.tokenizer(), m.template(), m.seqLen(), m.packing(),
        m.split(), m.shards(), st, m.config());
    ObjectMapper json = new ObjectMapper();
    JsonNode root = json.readTree(m.toJson());
    assertEquals(0, root.at("/stats/rows_read_by_file").get("file:/data/empty.jsonl").asLong());
    assertEquals(st.rowsRead(), root.at("/stats/rows_read").properties().stream().mapToLong(e -> e.getValue().asLong()).sum());
    assertEquals(m, Manifest.fromJson(m.toJson(), "m.json"));

    ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("stats")).remove("rows_read_by_file");
    Manifest old = Manifest.fromJson(json.writeValueAsBytes(root), "old.json");
    assertEquals(Map.of(), old.stats().rowsReadByFile());
    assertEquals(st.rowsReadBySource(), old.stats().rowsReadBySource());
  }

  @Test
  void badManifestsNameTheFileAndKey() {
    String json = new String(sample().toJson(), StandardCharsets.UTF_8);
    NomoatException missing = assertThrows(NomoatException.class,
        () -> Manifest.fromJson(json.replace("\"seq_len\" : 512,", "").getBytes(StandardCharsets.UTF_8), "gs://x/manifest.json"));
    assertEquals("gs://x/manifest.json has no key 'seq_len'", missing.getMessage());
    NomoatException newer = assertThrows(NomoatException.class,
        () -> Manifest.fromJson(json.replace("\"schema_version\" : 1", "\"schema_version\" : 2").getBytes(StandardCharsets.UTF_8), "m.json"));
    assertTrue(newer.getMessage().contains("written by a newer nomoat"), newer.getMessage());
    NomoatException notJson = assertThrows(NomoatException.class, () -> Manifest.fromJson("{".getBytes(StandardCharsets.UTF_8), "m.json"));
    assertEquals(NomoatException.ExitCode.INPUT_DATA, notJson.exitCode());
  }
}
