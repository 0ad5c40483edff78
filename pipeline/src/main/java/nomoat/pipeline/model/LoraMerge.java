package nomoat.pipeline.model;

import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.lora.LoraAdapter;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Folds adapters into the base: W' = W + sum over adapters of scale * B @ A. The input weights are not modified. */
public final class LoraMerge {
  private LoraMerge() {}

  public static LlamaWeights merge(LlamaWeights base, LoraAdapter... adapters) {
    Map<String, INDArray> out = new TreeMap<>(base.tensors());
    for (LoraAdapter ad : adapters)
      for (String path : ad.a().keySet()) {
        String name = path + ".weight";
        INDArray w = out.get(name);
        if (w == null) throw new IllegalArgumentException("adapter module " + path + " has no base weight " + name);
        INDArray merged = w == base.tensors().get(name) ? w.dup() : w;
        INDArray a = ad.a().get(path).castTo(w.dataType()), b = ad.b().get(path).castTo(w.dataType());
        Nd4j.gemm(b, a, merged, false, false, ad.spec().scale(), 1.0);   // [out, r] @ [r, in]
        out.put(name, merged);
      }
    return new LlamaWeights(base.config(), out);
  }
}
