package nomoat.pipeline.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.model.FrozenMatrix;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.model.LlamaWeights;
import nomoat.pipeline.model.RandomWeights;
import nomoat.pipeline.model.Scoring;
import nomoat.pipeline.model.WeightStorage;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** GGUF files written by nomoat read back to the same model: tensors, tokenizer, logits; local files are mapped. */
class GgufWriteTest {
  static final Configuration CONF = new Configuration();

  /** A small llama with stories260K's vocabulary; every row is whole Q8_0 blocks; GQA, untied. */
  static final LlamaConfig SMALL = new LlamaConfig(512, 64, 96, 2, 4, 2, 16, 1e-5, 10000.0, null, 256, false, false, 1, List.of(2), "float32");

  static SpmTokenizerJson.Vocab storiesVocab() { return GgufLlama.vocab(CONF, Fixtures.stories260K().toString()); }

  static float[] bits(INDArray a) { return StoredWeightsLoadTest.bits(a); }

  static Object data(FrozenMatrix m) throws ReflectiveOperationException {
    java.lang.reflect.Field f = m.getClass().getDeclaredField("data");
    f.setAccessible(true);
    return f.get(m);
  }

  @Test
  void q8_0AndF32ModelsReadBackToTheSameWeightsAndLogits(@TempDir Path dir) throws Exception {
    LlamaWeights fp32 = RandomWeights.llama(SMALL, 17);
    LlamaWeights q8 = fp32.quantizedQ8_0();
    for (LlamaWeights w : List.of(fp32, q8)) {
      boolean quant = w == q8;
      String uri = dir.resolve(quant ? "q8_0.gguf" : "f32.gguf").toString();
      GgufLlama.write(CONF, uri, w, storiesVocab());
      LoadedModel back = ModelLoader.load(CONF, uri, WeightStorage.STORED);
      assertEquals(SMALL.vocabSize(), back.config().vocabSize());
      assertEquals(SMALL.numKvHeads(), back.config().numKvHeads());
      assertEquals(SMALL.rmsNormEps(), back.config().rmsNormEps());
      assertFalse(back.config().tieWordEmbeddings());
      assertEquals(w.storedTensors().keySet(), back.weights().storedTensors().keySet());
      for (String name : w.storedTensors().keySet()) {
        FrozenMatrix got = back.weights().stored(name);
        assertEquals(w.stored(name).format(), got.format(), name);
        assertArrayEquals(bits(w.get(name)), bits(got.toDense()), name);
        // mapped (read-only, the file's pages), not copied into a direct buffer
        if (quant && !name.endsWith("norm.weight")) assertTrue(data(got) instanceof MappedByteBuffer bb && bb.isReadOnly(), name + " is mapped");
      }
      if (quant) assertTrue(Files.readString(Path.of("/proc/self/maps")).contains(uri), "the file is mapped");
      nomoat.pipeline.model.Batch b = StoredWeightsLoadTest.batch(SMALL.vocabSize());
      INDArray want = Scoring.logits(new LlamaModel(w), List.of(), b);
      INDArray got = Scoring.logits(new LlamaModel(back.weights()), List.of(), b);
      assertArrayEquals(bits(want), bits(got), quant ? "q8_0 logits" : "f32 logits");
      // the FP32 load of the Q8_0 file is the dequantised model
      if (quant) assertArrayEquals(bits(want), bits(Scoring.logits(new LlamaModel(ModelLoader.load(CONF, uri).weights()), List.of(), b)));
    }
  }


  @Test
  void stories260KReadWriteReadIsIdentical(@TempDir Path dir) {
    String src = Fixtures.stories260K().toString(), copy = dir.resolve("copy.gguf").toString();
    LoadedModel a = ModelLoader.load(CONF, src, WeightStorage.STORED);
    GgufLlama.write(CONF, copy, a.weights(), storiesVocab());
    LoadedModel b = ModelLoader.load(CONF, copy, WeightStorage.STORED);
    assertEquals(a.config(), b.config());
    assertArrayEquals(a.tokenizerJson(), b.tokenizerJson());
    assertArrayEquals(a.tokenizerConfigJson(), b.tokenizerConfigJson());
    SpmTokenizerJson.Vocab va = storiesVocab(), vb = GgufLlama.vocab(CONF, copy);
    assertEquals(va.pieces(), vb.pieces());
    assertArrayEquals(va.scores(), vb.scores());
    assertArrayEquals(va.types(), vb.types());
    assertEquals(List.of(va.unkId(), va.bosId(), va.eosId(), va.addBos(), va.addEos(), va.addSpacePrefix()),
        List.of(vb.unkId(), vb.bosId(), vb.eosId(), vb.addBos(), vb.addEos(), vb.addSpacePrefix()));
    assertEquals(va.padId(), vb.padId());
    try (Gguf.Reader ra = Gguf.open(CONF, src); Gguf.Reader rb = Gguf.open(CONF, copy)) {
      for (Gguf.TensorInfo t : rb.tensors().values()) {
        assertEquals(ra.info(t.name()).type(), t.type(), t.name());
        assertArrayEquals(ra.info(t.name()).ne(), t.ne(), t.name());
        assertArrayEquals(ra.rawBytes(t.name()), rb.rawBytes(t.name()), t.name());
      }
      // the tied output copy is not written again
      assertEquals(ra.tensors().size() - (ra.tensors().containsKey("output.weight") ? 1 : 0), rb.tensors().size());
      assertEquals(32, rb.alignment());
      assertEquals(3, rb.version());
      for (Gguf.TensorInfo t : rb.tensors().values()) assertEquals(0, t.offset() % 32, t.name());
    }
  }

  /** The raw local file system under another scheme: not "local" to nomoat, so it streams (as from HDFS or S3). */
  public static class StreamOnlyFs extends FilterFileSystem {
    public StreamOnlyFs() { super(new RawLocalFileSystem()); }

    @Override public String getScheme() { return "streamonly"; }

    @Override public URI getUri() { return URI.create("streamonly:///"); }

    @Override public void initialize(URI name, Configuration conf) throws IOException {
      fs.initialize(URI.create("file:///"), conf);
      setConf(conf);
    }

    private static org.apache.hadoop.fs.Path local(org.apache.hadoop.fs.Path p) { return new org.apache.hadoop.fs.Path("file://" + p.toUri().getPath()); }

    @Override protected void checkPath(org.apache.hadoop.fs.Path path) {}

    @Override public FSDataInputStream open(org.apache.hadoop.fs.Path f, int bufferSize) throws IOException { return fs.open(local(f), bufferSize); }

    @Override public FileStatus getFileStatus(org.apache.hadoop.fs.Path f) throws IOException { return fs.getFileStatus(local(f)); }
  }

  @Test
  void aNonLocalFileSystemStreamsIntoOffHeapBuffersWithTheSameModel(@TempDir Path dir) throws Exception {
    String uri = dir.resolve("q8_0.gguf").toString();
    LlamaWeights q8 = RandomWeights.llama(SMALL, 3).quantizedQ8_0();
    GgufLlama.write(CONF, uri, q8, storiesVocab());
    Configuration conf = new Configuration(CONF);
    conf.set("fs.streamonly.impl", StreamOnlyFs.class.getName());
    conf.setBoolean("fs.streamonly.impl.disable.cache", true);
    LoadedModel streamed = ModelLoader.load(conf, "streamonly://" + uri, WeightStorage.STORED);
    for (String name : q8.storedTensors().keySet()) {
      FrozenMatrix m = streamed.weights().stored(name);
      assertArrayEquals(bits(q8.get(name)), bits(m.toDense()), name);
      if (!name.endsWith("norm.weight")) {
        assertEquals("q8_0", m.format(), name);
        Object data = data(m);
        assertTrue(data instanceof ByteBuffer bb && bb.isDirect() && !bb.isReadOnly(), name + " is read into an off-heap buffer");
      }
    }
  }

  @Test
  void tensorsMustBeWrittenWholeAndInOrderAndAnUnfinishedFileIsDeleted(@TempDir Path dir) {
    String uri = dir.resolve("x.gguf").toString();
    List<Gguf.TensorSpec> specs = List.of(new Gguf.TensorSpec("a", new long[] {2, 32}, Gguf.GgmlType.Q8_0),
        new Gguf.TensorSpec("b", new long[] {3}, Gguf.GgmlType.F32));
    Gguf.Writer w = Gguf.create(CONF, uri, Map.of("general.architecture", "test", "n", List.of(1L, -1L)), specs);
    assertTrue(assertThrows(IllegalStateException.class, () -> w.write("b", new byte[12], 0, 12)).getMessage().contains("'a'"));
    w.write("a", new byte[68], 0, 68);
    assertThrows(IllegalStateException.class, () -> w.write("b", new byte[13], 0, 13));
    assertTrue(assertThrows(IllegalStateException.class, w::close).getMessage().contains("'b'"));
    assertFalse(Files.exists(dir.resolve("x.gguf")));
    // a finished one reads back, metadata included
    try (Gguf.Writer ok = Gguf.create(CONF, uri, Map.of("general.architecture", "test", "n", List.of(1L, -1L), "f", 0.5f, "s", List.of("x", "y")), specs)) {
      ok.write("a", new byte[68], 0, 68);
      ok.write("b", new byte[4], 0, 4);
      ok.write("b", new byte[8], 0, 8);
    }
    try (Gguf.Reader r = Gguf.open(CONF, uri)) {
      assertEquals(List.of(1L, -1L), r.array("n"));
      assertEquals(List.of("x", "y"), r.array("s"));
      assertEquals(0.5, r.number("f"));
      assertArrayEquals(new long[] {32, 2}, r.info("a").ne());
      assertEquals(68, r.info("a").nbytes());
    }
  }
}
