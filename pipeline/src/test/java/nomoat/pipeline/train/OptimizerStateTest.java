package nomoat.pipeline.train;

import nomoat.pipeline.format.Safetensors;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class OptimizerStateTest {
  private static Map<String, INDArray> params() {
    Map<String, INDArray> p = new TreeMap<>();
    p.put("model.layers.0.self_attn.q_proj.lora_A", Nd4j.rand(DataType.FLOAT, 4, 16));
    p.put("model.layers.0.self_attn.q_proj.lora_B", Nd4j.rand(DataType.FLOAT, 16, 4));
    p.put("d", Nd4j.rand(DataType.DOUBLE, 3));
    return p;
  }

  private static Map<String, INDArray> copy(Map<String, INDArray> m) {
    Map<String, INDArray> c = new TreeMap<>();
    m.forEach((k, v) -> c.put(k, v.dup()));
    return c;
  }

  @Test
  void roundTripIsBitExactAndResumeContinuesIdentically() throws Exception {
    Map<String, INDArray> p = params();
    AdamW opt = AdamW.withWeightDecay(0.01);
    OptimizerState st = OptimizerState.zerosLike(p);
    for (int i = 0; i < 3; i++) opt.step(p, copy(gradsLike(p, i)), st, 1e-2);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    st.writeTo(out);
    OptimizerState back = OptimizerState.readFrom(new ByteArrayInputStream(out.toByteArray()));
    assertEquals(3, back.step());
    for (String k : p.keySet()) {
      assertEquals(st.m(k).dataType(), back.m(k).dataType());
      assertArrayEquals(st.m(k).shape(), back.m(k).shape());
      assertArrayEquals(bits(st.m(k)), bits(back.m(k)), k);
      assertArrayEquals(bits(st.v(k)), bits(back.v(k)), k);
    }

    // One more step from the original and from the restored state gives identical parameters.
    Map<String, INDArray> p2 = copy(p);
    opt.step(p, gradsLike(p, 3), st, 1e-2);
    opt.step(p2, gradsLike(p2, 3), back, 1e-2);
    for (String k : p.keySet()) assertArrayEquals(bits(p.get(k)), bits(p2.get(k)), k);
  }

  @Test
  void rejectsForeignBytes() {
    byte[] other = Safetensors.encode(Map.of("x", Nd4j.zeros(DataType.FLOAT, 2)), Map.of("format", "something-else"));
    assertThrows(IllegalArgumentException.class, () -> OptimizerState.fromBytes(other));
    assertThrows(nomoat.pipeline.NomoatException.class, () -> OptimizerState.fromBytes(new byte[] {1, 2, 3}));
  }

  private static Map<String, INDArray> gradsLike(Map<String, INDArray> p, int seed) {
    Nd4j.getRandom().setSeed(100 + seed);
    Map<String, INDArray> g = new TreeMap<>();
    p.forEach((k, v) -> g.put(k, Nd4j.randn(v.dataType(), v.shape())));
    return g;
  }

  private static long[] bits(INDArray a) {
    double[] d = a.dup('c').data().asDouble();
    long[] out = new long[d.length];
    for (int i = 0; i < d.length; i++) out[i] = Double.doubleToRawLongBits(d[i]);
    return out;
  }
}
