package nomoat.pipeline.model;

import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.lora.LoraSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Random FP32 LLaMA weights as the PyTorch peer benchmark makes them: N(0, 0.02) matrices, RMSNorm weights 1. For
 * measuring speed (the values do not change it): `estimate`'s probe and the benchmarks.
 */
public final class RandomWeights {
  private RandomWeights() {}

  public static LlamaWeights llama(LlamaConfig c, long seed) {
    Nd4j.getRandom().setSeed(seed);
    Map<String, INDArray> t = new TreeMap<>();
    t.put("model.embed_tokens.weight", normal(c.vocabSize(), c.hiddenSize()));
    for (int l = 0; l < c.numLayers(); l++) {
      String p = "model.layers." + l + ".";
      t.put(p + "input_layernorm.weight", Nd4j.ones(DataType.FLOAT, c.hiddenSize()));
      t.put(p + "post_attention_layernorm.weight", Nd4j.ones(DataType.FLOAT, c.hiddenSize()));
      for (String m : LoraSpec.ALL_MODULES) {
        int[] io = LoraInit.inOut(c, m);
        t.put(LlamaWeights.modulePath(l, m) + ".weight", normal(io[1], io[0]));   // [out, in]
      }
    }
    t.put("model.norm.weight", Nd4j.ones(DataType.FLOAT, c.hiddenSize()));
    if (!c.tieWordEmbeddings()) t.put("lm_head.weight", normal(c.vocabSize(), c.hiddenSize()));
    return new LlamaWeights(c, t);
  }

  private static INDArray normal(int rows, int cols) {
    return Nd4j.randn(DataType.FLOAT, rows, cols).muli(0.02);
  }
}
