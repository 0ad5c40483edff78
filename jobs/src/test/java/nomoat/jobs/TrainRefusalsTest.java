package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import nomoat.pipeline.shard.ShardRow;
import nomoat.pipeline.shard.ShardWriter;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every refusal of `nomoat train` before training: exit code and the one line that names the cause. */
@Tag("integration")
class TrainRefusalsTest {
  @TempDir Path tmp;

  record Result(int code, String out, String err) {}

  Result cli(String data, String... more) {
    List<String> args = new ArrayList<>(List.of("train"));
    args.addAll(TrainJobTest.base(data, tmp.resolve("out").toUri().toString(), "train.workers=2", "train.max-steps=1"));
    args.addAll(List.of(more));
    LocalSpark.get();
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  /** A copy of the prepared output that a test may damage (checksum files of edited files dropped). */
  Path copyOfPrepared() throws IOException {
    Path from = Path.of(java.net.URI.create(TrainFixtures.prepared()));
    Path to = tmp.resolve("data");
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(target); else Files.copy(p, target);
      }
    }
    return to;
  }

  static void assertOneLine(Result r, int code, String... fragments) {
    assertEquals(code, r.code(), r.err());
    String[] lines = r.err().strip().split("\n");
    assertEquals(1, lines.length, "one line: " + r.err());
    for (String f : fragments) assertTrue(lines[0].contains(f), "'" + f + "' in: " + lines[0]);
  }

  @Test
  void dataWithoutSuccessIsRefused() throws Exception {
    Path data = copyOfPrepared();
    Files.delete(data.resolve("_SUCCESS"));
    Files.deleteIfExists(data.resolve("._SUCCESS.crc"));
    assertOneLine(cli(data.toUri().toString()), 4, "has no _SUCCESS", data.toString());
    assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
  }

  @Test
  void unknownManifestSchemaIsRefused() throws Exception {
    Path data = copyOfPrepared();
    Path manifest = data.resolve("manifest.json");
    Files.writeString(manifest, Files.readString(manifest).replace("\"schema_version\" : 1", "\"schema_version\" : 7"));
    Files.deleteIfExists(data.resolve(".manifest.json.crc"));
    assertOneLine(cli(data.toUri().toString()), 4, "schema_version 7", "manifest.json");
  }

  @Test
  void shardsFromAnotherTokenizerAreRefused() throws Exception {
    String tinyllama = Fixtures.tokenizerDir("tinyllama-1.1b-chat-v1.0").toUri().toString();
    String data = TrainFixtures.prepare("tinyllama-prepared", tinyllama, false);
    assertOneLine(cli(data), 4, "different tokenizer", "vocabulary size 32000 vs the model's 512");
  }

  @Test
  void tokenIdsOutsideTheVocabularyAreRefused() throws Exception {
    Path data = copyOfPrepared();
    Path shard = data.resolve("data/train/part-00001.parquet");
    Files.delete(shard);
    Files.deleteIfExists(data.resolve("data/train/.part-00001.parquet.crc"));
    try (ShardWriter w = ShardWriter.open(new Configuration(), shard.toUri().toString(), ShardWriter.Options.defaults())) {
      w.write(new ShardRow("ok", "colors", new int[] {1, 5, 6}, new int[] {-100, 5, 6}, null, null));
      w.write(new ShardRow("bad", "colors", new int[] {1, 700, 6}, new int[] {-100, 700, 6}, null, null));
    }
    assertOneLine(cli(data.toUri().toString()), 4, "part-00001.parquet", "row 1 (example bad)", "token id 700", "vocabulary of 512");
  }

  @Test
  void loraLayersTheModelLacksAreRefused() {
    assertOneLine(cli(uncheckedPrepared(), "lora.layers=[1, 9]"), 3, "lora.layers", "layer 9", "5 layers");
  }

  @Test
  void unknownLoraTargetIsRefused() {
    assertOneLine(cli(uncheckedPrepared(), "lora.targets=[c_attn]"), 3, "lora.targets", "c_attn");
  }

  @Test
  void globalBatchLargerThanTheDataIsRefused() {
    assertOneLine(cli(uncheckedPrepared(), "train.micro-batch=40"), 3, "2 x 40 x 1 = 80 rows per step", "only 64 training rows");
  }

  @Test
  void zeroGradAccumIsRefused() {
    assertOneLine(cli(uncheckedPrepared(), "train.grad-accum=0"), 3, "train.grad-accum");
  }

  @Test
  void committedOutputIsKeptWithoutForce() throws Exception {
    Result first = cli(uncheckedPrepared());
    assertEquals(0, first.code(), first.err());
    assertTrue(first.out().contains("train step 1/1"), first.out());
    byte[] adapter = Files.readAllBytes(tmp.resolve("out/adapter/adapter_model.safetensors"));
    assertOneLine(cli(uncheckedPrepared()), 6, "already committed", "--force");
    assertArrayEquals(adapter, Files.readAllBytes(tmp.resolve("out/adapter/adapter_model.safetensors")));
    assertEquals(0, cli(uncheckedPrepared(), "--force").code());
  }

  /** A PEFT adapter directory for stories260K (or, with {@code otherModel}, for a model of another shape). */
  String adapterDir(String name, boolean otherModel, int r, java.util.Set<String> targets) {
    nomoat.pipeline.model.LlamaConfig c = otherModel ? nomoat.pipeline.model.TinyModels.gqa()
        : nomoat.pipeline.train.ModelCache.get(new Configuration(), TrainFixtures.MODEL).config();
    String dir = tmp.resolve(name).toUri().toString();
    nomoat.pipeline.format.PeftAdapterDir.write(new Configuration(), dir, nomoat.pipeline.model.TinyModels.adapter(c,
        new nomoat.pipeline.lora.LoraSpec(r, 8, 0, targets, otherModel ? List.of(0) : null, false), org.nd4j.linalg.api.buffer.DataType.FLOAT, 5),
        TrainFixtures.MODEL, nomoat.pipeline.format.Safetensors.Dtype.F32);
    return dir;
  }

  @Test
  void missingStackedAdapterIsRefused() {
    String missing = tmp.resolve("no-adapter").toUri().toString();
    assertOneLine(cli(uncheckedPrepared(), "model.adapters=[{path = \"" + missing + "\", mode = stack}]"), 4, "stack adapter", missing,
        "does not exist");
    assertFalse(Files.exists(tmp.resolve("out/_SUCCESS")), "nothing committed");
  }

  @Test
  void adapterForAnotherModelShapeIsRefused() {
    String other = adapterDir("other-shape", true, 2, java.util.Set.of("q_proj"));
    assertOneLine(cli(uncheckedPrepared(), "model.adapters=[{path = \"" + other + "\", mode = merge}]"), 4, "other-shape",
        "do not fit the base weight");
  }

  @Test
  void initAdapterOfAnotherRankIsRefused() {
    String init = adapterDir("init-r8", false, 8, java.util.Set.of("q_proj", "v_proj", "down_proj"));
    assertOneLine(cli(uncheckedPrepared(), "train.init-adapter=\"" + init + "\""), 3, "train.init-adapter " + init, "r 8 vs lora.r 4");
    assertFalse(Files.exists(tmp.resolve("out/_SUCCESS")), "nothing committed");
  }

  private static String uncheckedPrepared() {
    try {
      return TrainFixtures.prepared();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
