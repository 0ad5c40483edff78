package nomoat.pipeline.train;

import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.format.Safetensors;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The trained adapter's tensors as one compact byte[] (exact safetensors): what the driver broadcasts each step. */
public final class AdapterBytes {
  private static final String FORMAT = "nomoat-adapter-1";
  private static final String A = ".lora_A.weight", B = ".lora_B.weight";

  private AdapterBytes() {}

  public static byte[] encode(LoraAdapter adapter) {
    return Safetensors.encode(AdapterParams.of(adapter), Map.of("format", FORMAT));
  }

  public static LoraAdapter decode(LoraSpec spec, byte[] bytes) {
    Safetensors.Contents c = Safetensors.decode(bytes, "adapter.safetensors");
    if (!FORMAT.equals(c.metadata().get("format"))) throw new IllegalArgumentException("not nomoat adapter bytes");
    Map<String, INDArray> a = new TreeMap<>(), b = new TreeMap<>();
    c.tensors().forEach((name, t) -> {
      if (name.endsWith(A)) a.put(name.substring(0, name.length() - A.length()), t);
      else if (name.endsWith(B)) b.put(name.substring(0, name.length() - B.length()), t);
      else throw new IllegalArgumentException("unexpected tensor '" + name + "' in adapter bytes");
    });
    return new LoraAdapter(spec, a, b);
  }
}
