package nomoat.pipeline.model;

import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.lora.LoraAdapter;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Folds adapters into the base: W' = W + sum over adapters of scale * B @ A. The input weights are not modified. Merged
 * matrices come out in the compute type (FP32); the others stay as the base holds them.
 */
public final class LoraMerge {
  private LoraMerge() {}

  public static LlamaWeights merge(LlamaWeights base, LoraAdapter... adapters) {
    Map<String, FrozenMatrix> out = new TreeMap<>(base.storedTensors());
    Map<String, INDArray> merged = new TreeMap<>();
    for (LoraAdapter ad : adapters)
      for (String path : ad.a().keySet()) {
        String name = path + ".weight";
        if (!out.containsKey(name)) throw new IllegalArgumentException("adapter module " + path + " has no base weight " + name);
        INDArray w = merged.computeIfAbsent(name, n -> out.get(n) instanceof FrozenMatrix.Dense d ? d.a.dup() : out.get(n).toDense());
        INDArray a = ad.a().get(path).castTo(w.dataType()), b = ad.b().get(path).castTo(w.dataType());
        Nd4j.gemm(b, a, w, false, false, ad.spec().scale(), 1.0);   // [out, r] @ [r, in]
      }
    merged.forEach((name, w) -> out.put(name, FrozenMatrix.dense(w)));
    return LlamaWeights.ofStored(base.config(), out);
  }
}
