package nomoat.pipeline.model;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A fresh adapter with PEFT's default init: A ~ kaiming_uniform_(a=sqrt(5)) on [r, in], i.e.
 * gain = sqrt(2 / (1 + 5)), bound = gain * sqrt(3 / fan_in) = 1 / sqrt(in); B = 0 (so the adapted model starts
 * equal to the base). Deterministic from the seed (each module draws from its own stream keyed by its path).
 */
public final class LoraInit {
  private LoraInit() {}

  public static LoraAdapter create(LoraSpec spec, LlamaConfig config, long seed) {
    return create(spec, config, seed, DataType.FLOAT);
  }

  public static LoraAdapter create(LoraSpec spec, LlamaConfig config, long seed, DataType dtype) {
    Map<String, INDArray> a = new TreeMap<>(), b = new TreeMap<>();
    for (int layer = 0; layer < config.numLayers(); layer++)
      for (String module : LoraSpec.ALL_MODULES) {
        if (!spec.adapts(layer, module)) continue;
        int[] io = inOut(config, module);
        String path = LlamaWeights.modulePath(layer, module);
        SplittableRandom rnd = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (path.hashCode() + 1L)));
        double bound = 1.0 / Math.sqrt(io[0]);
        double[] values = new double[spec.r() * io[0]];
        for (int i = 0; i < values.length; i++) values[i] = (rnd.nextDouble() * 2 - 1) * bound;
        a.put(path, Nd4j.create(values, new long[] {spec.r(), io[0]}, 'c').castTo(dtype));
        b.put(path, Nd4j.zeros(dtype, io[1], spec.r()));
      }
    return new LoraAdapter(spec, a, b);
  }

  /** {in_features, out_features} of a projection. */
  public static int[] inOut(LlamaConfig c, String module) {
    return switch (module) {
      case "q_proj" -> new int[] {c.hiddenSize(), c.qDim()};
      case "k_proj", "v_proj" -> new int[] {c.hiddenSize(), c.kvDim()};
      case "o_proj" -> new int[] {c.qDim(), c.hiddenSize()};
      case "gate_proj", "up_proj" -> new int[] {c.hiddenSize(), c.intermediateSize()};
      case "down_proj" -> new int[] {c.intermediateSize(), c.hiddenSize()};
      default -> throw new IllegalArgumentException("unknown module " + module);
    };
  }
}
