package nomoat.pipeline.train;

import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.LlamaConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A fresh trainable adapter initialised as PEFT does: A ~ kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)),
 * B = 0, so the adapted model starts equal to the base model. Deterministic in the seed.
 */
public final class AdapterInit {
  private AdapterInit() {}

  public static LoraAdapter peft(LlamaConfig c, LoraSpec spec, long seed, DataType type) {
    Map<String, INDArray> a = new TreeMap<>(), b = new TreeMap<>();
    Nd4j.getRandom().setSeed(seed);
    for (int layer = 0; layer < c.numLayers(); layer++)
      for (String module : LoraSpec.ALL_MODULES) {
        if (!spec.adapts(layer, module)) continue;
        int[] outIn = shape(c, module);
        double bound = 1.0 / Math.sqrt(outIn[1]);
        String path = LoraAdapter.modulePath(layer, module);
        a.put(path, Nd4j.rand(type, spec.r(), outIn[1]).muli(2 * bound).subi(bound));
        b.put(path, Nd4j.zeros(type, outIn[0], spec.r()));
      }
    return new LoraAdapter(spec, a, b);
  }

  /** [out, in] of a projection in HF layout. */
  public static int[] shape(LlamaConfig c, String module) {
    return switch (module) {
      case "q_proj" -> new int[] {c.qDim(), c.hiddenSize()};
      case "k_proj", "v_proj" -> new int[] {c.kvDim(), c.hiddenSize()};
      case "o_proj" -> new int[] {c.hiddenSize(), c.qDim()};
      case "gate_proj", "up_proj" -> new int[] {c.intermediateSize(), c.hiddenSize()};
      case "down_proj" -> new int[] {c.hiddenSize(), c.intermediateSize()};
      default -> throw new IllegalArgumentException("unknown module " + module);
    };
  }
}
