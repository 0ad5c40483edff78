package nomoat.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class LoraInitTest {
  private static final LlamaConfig C = new LlamaConfig(100, 64, 172, 2, 4, 2, 16, 1e-5, 10000, null, 256, false, false,
      1, List.of(2), "float32");

  @Test
  void shapesBoundsAndZeroB() {
    LoraSpec spec = new LoraSpec(4, 8, 0, Set.of("k_proj", "down_proj"), List.of(1), false);
    LoraAdapter ad = LoraInit.create(spec, C, 3, DataType.FLOAT);
    assertEquals(Set.of("model.layers.1.self_attn.k_proj", "model.layers.1.mlp.down_proj"), ad.a().keySet());
    assertArrayEquals(new long[] {4, 64}, ad.a().get("model.layers.1.self_attn.k_proj").shape());
    assertArrayEquals(new long[] {32, 4}, ad.b().get("model.layers.1.self_attn.k_proj").shape()); // GQA: 2 kv heads
    assertArrayEquals(new long[] {4, 172}, ad.a().get("model.layers.1.mlp.down_proj").shape());
    double bound = 1 / Math.sqrt(172);
    double maxAbs = ad.a().get("model.layers.1.mlp.down_proj").amaxNumber().doubleValue();
    assertTrue(maxAbs <= bound && maxAbs > bound / 2, "A within kaiming-uniform bound: " + maxAbs);
    assertEquals(0.0, ad.b().get("model.layers.1.mlp.down_proj").amaxNumber().doubleValue(), 0);
    assertArrayEquals(ad.a().get("model.layers.1.mlp.down_proj").data().asFloat(),
        LoraInit.create(spec, C, 3, DataType.FLOAT).a().get("model.layers.1.mlp.down_proj").data().asFloat(), 0f);
  }
}
