package nomoat.pipeline.model;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small random LLaMA models and adapters for tests (real layers, random numbers). */
public final class TinyModels {
  private TinyModels() {}

  public static LlamaConfig config(int vocab, int hidden, int inter, int layers, int heads, int kvHeads, boolean tied) {
    return new LlamaConfig(vocab, hidden, inter, layers, heads, kvHeads, hidden / heads, 1e-5, 10000.0, null, 512, tied,
        false, 1, List.of(2), "float32");
  }

  /** GQA (4 query heads, 2 kv heads), 2 layers, vocab 23. */
  public static LlamaConfig gqa() { return config(23, 16, 24, 2, 4, 2, false); }

  public static INDArray randn(Random rnd, DataType dt, double std, long... shape) {
    long n = 1;
    for (long s : shape) n *= s;
    double[] v = new double[(int) n];
    for (int i = 0; i < v.length; i++) v[i] = rnd.nextGaussian() * std;
    return Nd4j.create(v, shape, 'c').castTo(dt);
  }

  public static LlamaWeights weights(LlamaConfig c, DataType dt, long seed) {
    Random rnd = new Random(seed);
    Map<String, INDArray> t = new TreeMap<>();
    int h = c.hiddenSize();
    t.put("model.embed_tokens.weight", randn(rnd, dt, 1.0, c.vocabSize(), h));
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "model.layers." + i + ".";
      t.put(p + "input_layernorm.weight", randn(rnd, dt, 0.1, h).addi(1.0));
      t.put(p + "post_attention_layernorm.weight", randn(rnd, dt, 0.1, h).addi(1.0));
      for (String m : LoraSpec.ALL_MODULES) {
        int[] io = LoraInit.inOut(c, m);
        t.put(LlamaWeights.modulePath(i, m) + ".weight", randn(rnd, dt, 1.0 / Math.sqrt(io[0]), io[1], io[0]));
      }
    }
    t.put("model.norm.weight", randn(rnd, dt, 0.1, h).addi(1.0));
    if (!c.tieWordEmbeddings()) t.put("lm_head.weight", randn(rnd, dt, 1.0 / Math.sqrt(h), c.vocabSize(), h));
    return new LlamaWeights(c, t);
  }

  /** The same weights plus random q/k/v/o biases (HF attention_bias = true). */
  public static LlamaWeights withAttentionBias(LlamaWeights w, long seed) {
    Random rnd = new Random(seed);
    LlamaConfig c = w.config();
    Map<String, INDArray> t = new TreeMap<>(w.tensors());
    DataType dt = w.get("model.embed_tokens.weight").dataType();
    for (int i = 0; i < c.numLayers(); i++)
      for (String m : List.of("q_proj", "k_proj", "v_proj", "o_proj"))
        t.put(LlamaWeights.modulePath(i, m) + ".bias", randn(rnd, dt, 0.5, LoraInit.inOut(c, m)[1]));
    LlamaConfig bc = new LlamaConfig(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(), c.numKvHeads(),
        c.headDim(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.maxPositionEmbeddings(), c.tieWordEmbeddings(), true,
        c.bosTokenId(), c.eosTokenIds(), c.torchDtype());
    return new LlamaWeights(bc, t);
  }

  /** An adapter with random A and B (nonzero B so that every gradient path is exercised). */
  public static LoraAdapter adapter(LlamaConfig c, LoraSpec spec, DataType dt, long seed) {
    Random rnd = new Random(seed);
    Map<String, INDArray> a = new TreeMap<>(), b = new TreeMap<>();
    for (int i = 0; i < c.numLayers(); i++)
      for (String m : LoraSpec.ALL_MODULES) {
        if (!spec.adapts(i, m)) continue;
        int[] io = LoraInit.inOut(c, m);
        a.put(LlamaWeights.modulePath(i, m), randn(rnd, dt, 1.0 / Math.sqrt(io[0]), spec.r(), io[0]));
        b.put(LlamaWeights.modulePath(i, m), randn(rnd, dt, 0.3, io[1], spec.r()));
      }
    return new LoraAdapter(spec, a, b);
  }

  public static LoraSpec spec(int r, double alpha, double dropout, Set<String> modules, List<Integer> layers) {
    return new LoraSpec(r, alpha, dropout, modules, layers, false);
  }

  public static int[] randomIds(Random rnd, int n, int vocab) {
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) ids[i] = rnd.nextInt(vocab);
    return ids;
  }

  /** A deep copy of an adapter in which one entry of A or B is shifted by delta. */
  public static LoraAdapter perturbed(LoraAdapter ad, boolean inA, String path, long index, double delta) {
    Map<String, INDArray> a = new TreeMap<>(), b = new TreeMap<>();
    ad.a().forEach((k, v) -> a.put(k, v.dup()));
    ad.b().forEach((k, v) -> b.put(k, v.dup()));
    INDArray t = (inA ? a : b).get(path);
    INDArray flat = t.reshape(t.length());
    t.putScalar(index, flat.getDouble(index) + delta);
    return new LoraAdapter(ad.spec(), a, b);
  }
}
