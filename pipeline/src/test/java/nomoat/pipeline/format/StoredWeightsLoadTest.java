package nomoat.pipeline.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import nomoat.pipeline.generate.GenerationConfig;
import nomoat.pipeline.generate.Generator;
import nomoat.pipeline.model.Batch;
import nomoat.pipeline.model.FrozenMatrix;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.model.LlamaWeights;
import nomoat.pipeline.model.Scoring;
import nomoat.pipeline.model.WeightStorage;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Loading frozen weights in their stored precision: what is kept, how, and that the model computes the same. */
class StoredWeightsLoadTest {
  static final Configuration CONF = new Configuration();

  static float[] bits(INDArray a) { return a.castTo(DataType.FLOAT).dup('c').data().asFloat(); }

  static Batch batch(int vocab) {
    Random rnd = new Random(3);
    int[] ids = new int[2 * 7];
    for (int i = 0; i < ids.length; i++) ids[i] = rnd.nextInt(vocab);
    return new Batch(2, 7, ids, ids.clone(), null, null, null);
  }

  @Test
  void bf16AndF16CheckpointsStay16BitMappedAndComputeLikeTheirFp32Load(@TempDir Path dir) throws Exception {
    LlamaConfig c = HfCheckpointTest.smallConfig(false);
    LlamaWeights w = HfCheckpointTest.randomWeights(c);
    for (Safetensors.Dtype dt : List.of(Safetensors.Dtype.BF16, Safetensors.Dtype.F16)) {
      Path d = dir.resolve(dt.name());
      HfCheckpoint.write(CONF, d.toString(), w, dt, 4000, HfCheckpointTest.tinyllamaTokenizer());   // sharded
      LoadedModel fp32 = ModelLoader.load(CONF, d.toString(), WeightStorage.FLOAT32);
      LoadedModel stored = ModelLoader.load(CONF, d.toString(), WeightStorage.STORED);
      String want = dt == Safetensors.Dtype.BF16 ? "bfloat16" : "float16";
      long matrices = 0;
      for (Map.Entry<String, FrozenMatrix> e : stored.weights().storedTensors().entrySet()) {
        boolean norm = e.getKey().endsWith("norm.weight");
        assertEquals(norm ? "float32" : want, e.getValue().format(), e.getKey());
        if (!norm) matrices += e.getValue().rows() * e.getValue().columns();
        assertArrayEquals(bits(fp32.weights().get(e.getKey())), bits(stored.weights().get(e.getKey())), e.getKey());
      }
      assertEquals(fp32.weights().storedBytes() - matrices * 2, stored.weights().storedBytes());
      INDArray a = Scoring.logits(new LlamaModel(fp32.weights()), List.of(), batch(c.vocabSize()));
      INDArray b = Scoring.logits(new LlamaModel(stored.weights()), List.of(), batch(c.vocabSize()));
      assertArrayEquals(bits(a), bits(b), dt + ": logits");
    }
    // a local file is memory-mapped, not copied
    Path shard;
    try (var files = java.nio.file.Files.list(dir.resolve("BF16"))) {
      shard = files.filter(p -> p.getFileName().toString().startsWith("model-0")).sorted().findFirst().orElseThrow();
    }
    try (Safetensors.Reader r = Safetensors.open(CONF, shard.toString())) {
      String name = r.tensors().keySet().stream().filter(n -> r.info(n).shape().length == 2).findFirst().orElseThrow();
      FrozenMatrix m = r.readStored(name);
      java.lang.reflect.Field f = m.getClass().getDeclaredField("data");
      f.setAccessible(true);
      assertTrue(f.get(m) instanceof MappedByteBuffer, name + " is mapped");
    }
  }

  @Test
  void stories260KGivesTheSameGreedyTextInEveryStorageMode() {
    String uri = Fixtures.stories260K().toString();
    LlamaModel fp32 = new LlamaModel(ModelLoader.load(CONF, uri, WeightStorage.FLOAT32).weights());
    int[] prompt = {1};
    int[] reference = Generator.generate(fp32, List.of(), prompt, GenerationConfig.greedy(64));
    // the fixture is an F32 GGUF: stored is FP32
    LoadedModel stored = ModelLoader.load(CONF, uri, WeightStorage.STORED);
    assertEquals("float32", stored.weights().stored("model.layers.0.mlp.up_proj.weight").format());
    assertArrayEquals(reference, Generator.generate(new LlamaModel(stored.weights()), List.of(), prompt, GenerationConfig.greedy(64)));
    for (WeightStorage narrow : List.of(WeightStorage.BFLOAT16, WeightStorage.FLOAT16)) {
      LlamaWeights w = ModelLoader.load(CONF, uri, narrow).weights();
      assertEquals(narrow.configName(), w.stored("model.layers.0.mlp.up_proj.weight").format());
      int[] got = Generator.generate(new LlamaModel(w), List.of(), prompt, GenerationConfig.greedy(64));
      // the rounded model as FP32 arrays runs the very same products
      assertArrayEquals(Generator.generate(new LlamaModel(w.as(WeightStorage.FLOAT32)), List.of(), prompt, GenerationConfig.greedy(64)), got, narrow.configName());
      int same = 0;
      while (same < got.length && got[same] == reference[same]) same++;
      System.out.println("stories260K greedy, " + narrow.configName() + " weights: first " + same + " of 64 tokens equal the FP32 model's");
    }
  }

  @Test
  void storedGgufQkRowsAreUninterleavedLikeTheFp32Ones() {
    int heads = 4, hd = 8, cols = 64;
    INDArray w = Nd4j.rand(DataType.FLOAT, heads * hd, cols);
    java.nio.ByteBuffer raw = FrozenMatrix.allocate((long) heads * hd * cols * 2);
    float[] v = w.dup('c').data().asFloat();
    for (int i = 0; i < v.length; i++) raw.putShort(i * 2, nomoat.pipeline.model.HalfFloats.floatToHalf(v[i]));
    INDArray widened = FrozenMatrix.float16(heads * hd, cols, raw).toDense();
    FrozenMatrix moved = FrozenMatrix.float16(heads * hd, cols, GgufLlama.unpermuteRotaryRows(raw, heads * hd, cols * 2, heads));
    assertArrayEquals(bits(GgufLlama.unpermuteRotary(widened, heads)), bits(moved.toDense()));
  }
}
