package nomoat.pipeline.train;

import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.model.StepResult;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The trainable tensors of an adapter as one flat name→tensor map ("PATH.lora_A.weight", "PATH.lora_B.weight", PEFT
 * names without the "base_model.model." prefix), the form the optimiser, clipping and accumulation work on. The
 * parameter map holds the adapter's own arrays, so optimiser updates change the adapter in place.
 */
public final class AdapterParams {
  private AdapterParams() {}

  public static Map<String, INDArray> of(LoraAdapter adapter) {
    return flat(adapter.a(), adapter.b());
  }

  /** The gradients of a micro-step, keyed like {@link #of}. */
  public static Map<String, INDArray> gradients(StepResult r) {
    return flat(r.gradA(), r.gradB());
  }

  public static String aName(String modulePath) { return modulePath + ".lora_A.weight"; }

  public static String bName(String modulePath) { return modulePath + ".lora_B.weight"; }

  private static Map<String, INDArray> flat(Map<String, INDArray> a, Map<String, INDArray> b) {
    Map<String, INDArray> out = new TreeMap<>();
    a.forEach((path, t) -> out.put(aName(path), t));
    b.forEach((path, t) -> out.put(bName(path), t));
    return out;
  }
}
