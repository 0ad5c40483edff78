package nomoat.pipeline.shard;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import nomoat.pipeline.data.RejectReason;
import nomoat.pipeline.data.Rejection;
import nomoat.pipeline.data.SourceRow;
import nomoat.pipeline.data.TokenizedExample;
import nomoat.pipeline.io.CommittedOutput;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.source.InputFile;
import nomoat.pipeline.source.InputFiles;
import nomoat.pipeline.source.ReadResult;
import nomoat.pipeline.source.ReadResults;
import nomoat.pipeline.source.SourceFormat;
import nomoat.pipeline.source.SourceReader;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prepare stage's data path over the real fixture datasets, using only this package's classes: read,
 * quarantine, pack, write shards, stats, manifest, commit; then read everything back and check it adds up.
 * Tokenization belongs to another package, so UTF-8 bytes stand in for token ids here.
 */
class PrepareFlowTest {
  @TempDir Path tmp;
  final Configuration conf = new Configuration();
  static final int SEQ_LEN = 1024;

  /** Stand-in for the real template + tokenizer: prompt bytes untrained, response bytes trained. */
  static TokenizedExample bytesExample(SourceRow row) {
    byte[] prompt = (row.fields().get("instruction") + "\n" + row.fields().get("input") + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] response = String.valueOf(row.fields().get("output")).getBytes(StandardCharsets.UTF_8);
    int n = prompt.length + response.length;
    int[] ids = new int[n];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = (i < prompt.length ? prompt[i] : response[i - prompt.length]) & 0xff;
      labels[i] = i < prompt.length ? TokenizedExample.IGNORE : ids[i];
    }
    return new TokenizedExample(Integer.toHexString(row.location().hashCode()), row.source(), ids, labels, false);
  }

  @Test
  void alpacaFixturesBecomeACommittedPreparedDataset() {
    List<InputFile> files = InputFiles.expand(conf, List.of(Fixtures.dataset("*_alpaca.json").toString()));
    assertEquals(2, files.size());
    String out = new org.apache.hadoop.fs.Path(tmp.resolve("prepared").toUri()).toString();
    CommittedOutput output = CommittedOutput.begin(conf, out, false);
    String staging = output.stagingDir();

    DatasetStats stats = new DatasetStats();
    Map<String, List<TokenizedExample>> bySplit = Map.of(DatasetStats.TRAIN, new ArrayList<>(), DatasetStats.VALIDATION, new ArrayList<>());
    try (RejectedWriter rejected = RejectedWriter.open(conf, PreparedLayout.resolve(staging, PreparedLayout.rejectedFile(0)))) {
      for (InputFile f : files) {
        SourceReader reader = new SourceReader(f.uri().contains("gsm8k") ? "gsm8k" : "self_instruct", SourceFormat.AUTO);
        try (ReadResults results = reader.read(conf, f)) {
          while (results.hasNext()) {
            ReadResult r = results.next();
            stats.recordRowRead(reader.sourceName());
            SourceRow row = ((ReadResult.Row) r).row();
            TokenizedExample e = bytesExample(row);
            if (e.numTokens() > SEQ_LEN) {
              Rejection rej = new Rejection(row.source(), row.location(), RejectReason.TOO_LONG, e.numTokens() + " tokens", row.raw());
              rejected.write(rej);
              stats.recordRejection(rej);
              continue;
            }
            String split = Math.floorMod(e.exampleId().hashCode(), 10) == 0 ? DatasetStats.VALIDATION : DatasetStats.TRAIN;
            stats.recordExample(e, split);
            bySplit.get(split).add(e);
          }
        }
      }
    }
    Map<String, List<Manifest.ShardFile>> shards = new java.util.TreeMap<>();
    Packer packer = Packer.packed(SEQ_LEN, 1000);
    for (String split : List.of(DatasetStats.TRAIN, DatasetStats.VALIDATION)) {
      String rel = PreparedLayout.shardFile(split, 0);
      try (ShardWriter w = ShardWriter.open(conf, staging + "/" + rel, ShardWriter.Options.defaults())) {
        packer.pack(bySplit.get(split).iterator()).forEachRemaining(row -> {
          w.write(row);
          stats.recordShardRow(row, split);
        });
        w.close();
        shards.put(split, List.of(new Manifest.ShardFile(rel, w.rows(), w.tokens(), w.trainedTokens())));
      }
    }
    new Manifest(Manifest.SCHEMA_VERSION, "test", java.time.Instant.now(), new Manifest.Tokenizer("bytes", "-"), "bytes",
        SEQ_LEN, true, new Manifest.Split(0, 0.1, null), shards, stats, Map.of("seq_len", SEQ_LEN))
        .write(conf, staging + "/" + Manifest.FILE_NAME);
    assertFalse(Storage.exists(conf, out + "/" + Manifest.FILE_NAME), "nothing visible before commit");
    output.commit();

    // Read the committed output back as the trainer and the report would.
    Manifest m = Manifest.read(conf, out + "/" + Manifest.FILE_NAME);
    assertEquals(Map.of("gsm8k", 300L, "self_instruct", 175L), m.stats().rowsReadBySource());
    assertEquals(475, m.stats().examples() + m.stats().rejected());
    List<Rejection> rejections = RejectedWriter.readAll(conf, PreparedLayout.resolve(out, PreparedLayout.rejectedFile(0)));
    assertEquals(m.stats().rejected(), rejections.size());
    assertTrue(rejections.stream().allMatch(r -> r.reason() == RejectReason.TOO_LONG && r.raw().startsWith("{")));

    Set<String> ids = new HashSet<>();
    long tokens = 0;
    for (Map.Entry<String, List<Manifest.ShardFile>> e : m.shards().entrySet()) {
      for (Manifest.ShardFile f : e.getValue()) {
        List<ShardRow> rows = ShardReader.readAll(conf, PreparedLayout.resolve(out, f.path()));
        assertEquals(f.rows(), rows.size());
        assertEquals(m.stats().rowsBySplit().get(e.getKey()), f.rows());
        for (ShardRow r : rows) {
          assertTrue(r.numTokens() <= SEQ_LEN);
          tokens += r.numTokens();
          for (String id : r.exampleId().split(",")) assertTrue(ids.add(id), "example " + id + " written twice");
        }
      }
    }
    assertEquals(m.stats().examples(), ids.size());
    assertEquals(m.stats().tokens(), tokens);
    assertTrue(m.stats().shardRows() < m.stats().examples(), "packing put several examples in a row");
  }
}
