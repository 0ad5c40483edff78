package nomoat.bench;

import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaWeights;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Random FP32 LLaMA weights as the peer benchmark makes them: N(0, 0.02) matrices, RMSNorm weights 1. */
public final class RandomLlama {
  private RandomLlama() {}

  public static LlamaWeights weights(LlamaConfig c, long seed) {
    Nd4j.getRandom().setSeed(seed);
    Map<String, INDArray> t = new TreeMap<>();
    t.put("model.embed_tokens.weight", normal(c.vocabSize(), c.hiddenSize()));
    for (int l = 0; l < c.numLayers(); l++) {
      String p = "model.layers." + l + ".";
      t.put(p + "input_layernorm.weight", Nd4j.ones(DataType.FLOAT, c.hiddenSize()));
      t.put(p + "post_attention_layernorm.weight", Nd4j.ones(DataType.FLOAT, c.hiddenSize()));
      for (String m : LoraSpec.ALL_MODULES) {
        int[] io = nomoat.pipeline.model.LoraInit.inOut(c, m);
        int[] s = {io[1], io[0]}; // [out, in]
        t.put(LlamaWeights.modulePath(l, m) + ".weight", normal(s[0], s[1]));
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
