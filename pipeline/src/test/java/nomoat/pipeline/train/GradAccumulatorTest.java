package nomoat.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GradAccumulatorTest {
  private record Micro(Map<String, INDArray> grads, long tokens, double loss) {}

  private static Micro[] microBatches(int n) {
    Random rnd = new Random(7);
    Micro[] out = new Micro[n];
    for (int i = 0; i < n; i++) {
      float[] a = new float[6], b = new float[4];
      for (int j = 0; j < a.length; j++) a[j] = (float) rnd.nextGaussian();
      for (int j = 0; j < b.length; j++) b[j] = (float) rnd.nextGaussian();
      out[i] = new Micro(Map.of("x.lora_A", Nd4j.create(a, new long[] {2, 3}, DataType.FLOAT),
          "x.lora_B", Nd4j.create(b, new long[] {4, 1}, DataType.FLOAT)), 10 + i, 2.5 * (10 + i));
    }
    return out;
  }

  @Test
  void workersTimesMicroBatchesEqualsOneWorkerAccumulatingAll() {
    Micro[] mb = microBatches(6);
    GradAccumulator single = new GradAccumulator();
    for (Micro m : mb) single.add(m.grads, m.tokens, m.loss);

    // 3 workers x 2 micro-batches, reduced in a different order.
    GradAccumulator[] workers = new GradAccumulator[3];
    for (int w = 0; w < 3; w++) {
      workers[w] = new GradAccumulator();
      for (int k = 0; k < 2; k++) workers[w].add(mb[w * 2 + k].grads, mb[w * 2 + k].tokens, mb[w * 2 + k].loss);
    }
    GradAccumulator reduced = workers[2].merge(workers[0]).merge(workers[1]);

    assertEquals(single.tokens(), reduced.tokens());
    assertEquals(75, reduced.tokens());
    assertEquals(2.5, reduced.meanLoss(), 1e-12);
    assertEquals(6, reduced.microBatches());
    Map<String, INDArray> g1 = single.meanGradients(DataType.FLOAT), g2 = reduced.meanGradients(DataType.FLOAT);
    for (String k : g1.keySet())
      assertArrayEquals(g1.get(k).data().asFloat(), g2.get(k).data().asFloat(), 1e-6f, k);
  }

  @Test
  void meanGradientDividesByGlobalTokenCount() {
    GradAccumulator acc = new GradAccumulator();
    acc.add(Map.of("w", Nd4j.create(new float[] {3f, 6f}, new long[] {2}, DataType.FLOAT)), 3, 1.0);
    acc.add(Map.of("w", Nd4j.create(new float[] {1f, 2f}, new long[] {2}, DataType.FLOAT)), 1, 1.0);
    INDArray mean = acc.meanGradients(DataType.FLOAT).get("w");
    assertArrayEquals(new float[] {1f, 2f}, mean.data().asFloat(), 0f);
    assertEquals(0.5, acc.meanLoss(), 0);
  }

  @Test
  void survivesBytesAndJavaSerialisationExactly() throws Exception {
    GradAccumulator acc = new GradAccumulator();
    for (Micro m : microBatches(3)) acc.add(m.grads, m.tokens, m.loss + 0.1);
    GradAccumulator viaBytes = GradAccumulator.fromBytes(acc.toBytes());

    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (ObjectOutputStream oos = new ObjectOutputStream(bos)) { oos.writeObject(acc); }
    GradAccumulator viaJava;
    try (ObjectInputStream ois = new ObjectInputStream(new ByteArrayInputStream(bos.toByteArray()))) {
      viaJava = (GradAccumulator) ois.readObject();
    }
    for (GradAccumulator copy : new GradAccumulator[] {viaBytes, viaJava}) {
      assertEquals(acc.tokens(), copy.tokens());
      assertEquals(Double.doubleToRawLongBits(acc.lossSum()), Double.doubleToRawLongBits(copy.lossSum()));
      assertEquals(acc.microBatches(), copy.microBatches());
      for (String k : acc.gradientSums().keySet())
        assertArrayEquals(acc.gradientSums().get(k).data().asDouble(), copy.gradientSums().get(k).data().asDouble(), 0.0);
    }
  }

  @Test
  void javaSerialisationStreamsTheWireFormAndNothingMore() throws Exception {
    GradAccumulator one = new GradAccumulator();
    Micro[] ms = microBatches(1);
    one.add(ms[0].grads, ms[0].tokens, ms[0].loss);
    // inside another object, as a task's StepResults carries it: the stream holds the wire bytes plus Java's framing
    // (block headers, class descriptors) and no second copy
    java.util.List<Object> outer = new java.util.ArrayList<>(java.util.List.of("before", one, "after"));
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (ObjectOutputStream oos = new ObjectOutputStream(bos)) { oos.writeObject(outer); }
    int wire = one.toBytes().length;
    assertTrue(bos.size() > wire && bos.size() < wire * 1.02 + 2048, bos.size() + " bytes for a " + wire + "-byte wire form");
    java.util.List<?> back;
    try (ObjectInputStream ois = new ObjectInputStream(new ByteArrayInputStream(bos.toByteArray()))) {
      back = (java.util.List<?>) ois.readObject();
    }
    assertEquals("before", back.get(0));
    assertEquals("after", back.get(2));
    GradAccumulator copy = (GradAccumulator) back.get(1);
    assertEquals(one.tokens(), copy.tokens());
    for (String k : one.gradientSums().keySet())
      assertArrayEquals(one.gradientSums().get(k).data().asDouble(), copy.gradientSums().get(k).data().asDouble(), 0.0);
  }

  @Test
  void oneMicroBatchShipsAsF32AndSumsOfSeveralAsF64() {
    GradAccumulator one = new GradAccumulator(), two = new GradAccumulator();
    Micro[] ms = microBatches(2);
    one.add(ms[0].grads, ms[0].tokens, ms[0].loss);
    for (Micro m : ms) two.add(m.grads, m.tokens, m.loss);
    // float gradients of one micro-batch are exact in F32 (half the bytes on the wire); sums of two generally need F64
    for (INDArray t : nomoat.pipeline.format.Safetensors.decode(one.toBytes(), "one").tensors().values()) assertEquals(DataType.FLOAT, t.dataType());
    for (INDArray t : nomoat.pipeline.format.Safetensors.decode(two.toBytes(), "two").tensors().values()) assertEquals(DataType.DOUBLE, t.dataType());
    for (GradAccumulator acc : new GradAccumulator[] {one, two}) {
      GradAccumulator back = GradAccumulator.fromBytes(acc.toBytes());
      for (String k : acc.gradientSums().keySet())
        assertArrayEquals(acc.gradientSums().get(k).data().asDouble(), back.gradientSums().get(k).data().asDouble(), 0.0);
    }
  }

  @Test
  void refusesToAverageWithoutTokens() {
    assertThrows(IllegalStateException.class, () -> new GradAccumulator().meanGradients(DataType.FLOAT));
  }
}
