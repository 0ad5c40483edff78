package nomoat.pipeline.model;

import static nomoat.pipeline.model.NarrowStorageTest.assertBitIdentical;
import static nomoat.pipeline.model.NarrowStorageTest.bits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * GGUF quantised blocks kept as blocks: tiles dequantise to exactly the values of the whole tensor's dequantisation, so
 * products, logits and LoRA gradients are bit-identical to the FP32 path over the dequantised weights.
 */
class QuantStorageTest {
  static final Random RND = new Random(31);

  /** Random blocks whose f16 scale fields are small finite numbers (any other bytes are valid quants). */
  static ByteBuffer randomBlocks(QuantBlocks.Quant q, long rows, long cols) {
    int blocks = (int) (rows * cols / q.blockElems);
    ByteBuffer b = FrozenMatrix.allocate((long) blocks * q.blockBytes);
    byte[] raw = new byte[q.blockBytes];
    for (int i = 0; i < blocks; i++) {
      RND.nextBytes(raw);
      b.put(i * q.blockBytes, raw);
      int[] halves = switch (q) {
        case Q8_0, Q4_0 -> new int[] {0};
        case Q4_K -> new int[] {0, 2};
        case Q6_K -> new int[] {208};
      };
      for (int at : halves) b.putShort(i * q.blockBytes + at, HalfFloats.floatToHalf((float) (RND.nextGaussian() * 0.01)));
    }
    return b;
  }

  /** The whole tensor dequantised in one pass (rows are whole blocks, back to back). */
  static INDArray dequantizedWhole(QuantBlocks.Quant q, ByteBuffer b, long rows, long cols) {
    byte[] raw = new byte[b.capacity()];
    b.get(0, raw);
    float[] out = new float[(int) (rows * cols)];
    QuantBlocks.dequantize(q, raw, 0, out.length / q.blockElems, out, 0);
    return Nd4j.create(out, new long[] {rows, cols}, 'c');
  }

  @ParameterizedTest
  @EnumSource(QuantBlocks.Quant.class)
  void tilesDequantiseLikeTheWholeTensorAndProductsMatch(QuantBlocks.Quant q) {
    int rows = 150, cols = 768;                                        // 3 K-quant super-blocks per row
    ByteBuffer data = randomBlocks(q, rows, cols);
    INDArray whole = dequantizedWhole(q, data, rows, cols);
    TiledMatrix m = ((TiledMatrix) FrozenMatrix.quantized(q, rows, cols, data)).withTileElements(1);
    assertEquals(q.name().toLowerCase(), m.format());
    assertEquals((long) rows * cols / q.blockElems * q.blockBytes, m.storedBytes());
    assertArrayEquals(bits(whole), bits(m.toDense()));
    assertArrayEquals(bits(Nd4j.pullRows(whole, 1, new int[] {149, 3, 3})), bits(m.gatherRows(new int[] {149, 3, 3})));
    TiledMatrix fp32 = ((TiledMatrix) FrozenMatrix.dense(whole)).withTileElements(1);
    INDArray x = TinyModels.randn(RND, DataType.FLOAT, 1, 7, cols), dy = TinyModels.randn(RND, DataType.FLOAT, 1, 7, rows);
    assertArrayEquals(bits(fp32.mulTransposed(Gemm.OPENBLAS, x)), bits(m.mulTransposed(Gemm.OPENBLAS, x)), "x W^T");
    assertArrayEquals(bits(fp32.mul(Gemm.OPENBLAS, dy)), bits(m.mul(Gemm.OPENBLAS, dy)), "dy W");
  }

  /** Q8_0 as ggml quantises: d = max|x| / 127 (as f16), q = round(x / d). */
  static FrozenMatrix q8_0(INDArray w) {
    long rows = w.rows(), cols = w.columns();
    ByteBuffer b = FrozenMatrix.allocate(rows * cols / 32 * 34);
    float[] v = w.castTo(DataType.FLOAT).dup('c').data().asFloat();
    for (int blk = 0; blk < v.length / 32; blk++) {
      float amax = 0;
      for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(v[blk * 32 + j]));
      float d = amax / 127, id = d == 0 ? 0 : 1 / d;
      b.putShort(blk * 34, HalfFloats.floatToHalf(d));
      for (int j = 0; j < 32; j++) b.put(blk * 34 + 2 + j, (byte) Math.round(v[blk * 32 + j] * id));
    }
    return FrozenMatrix.quantized(QuantBlocks.Quant.Q8_0, rows, cols, b);
  }

  @Test
  void q8_0ModelGivesBitIdenticalLogitsLossAndGradientsToItsDequantisedFp32Copy() {
    LlamaConfig c = TinyModels.config(200, 64, 160, 2, 4, 2, false);
    Map<String, FrozenMatrix> t = new TreeMap<>();
    TinyModels.weights(c, DataType.FLOAT, 8).storedTensors().forEach((k, v) -> t.put(k, k.endsWith("norm.weight") ? v : q8_0(v.toDense())));
    LlamaWeights quant = LlamaWeights.ofStored(c, t);
    assertEquals("q8_0", quant.stored("lm_head.weight").format());
    LoraAdapter ad = TinyModels.adapter(c, TinyModels.spec(2, 4, 0.1, Set.of("q_proj", "v_proj", "down_proj"), null), DataType.FLOAT, 9);
    int[] ids = TinyModels.randomIds(RND, 2 * 9, c.vocabSize());
    Batch batch = new Batch(2, 9, ids, ids.clone(), null, null, null);
    for (int tile : new int[] {TiledMatrix.DEFAULT_TILE_ELEMENTS, 1}) {
      LlamaModel dense = new LlamaModel(NarrowStorageTest.withTiles(quant.as(WeightStorage.FLOAT32), tile), EngineOptions.defaults().withThreads(1));
      LlamaModel m = new LlamaModel(NarrowStorageTest.withTiles(quant, tile), EngineOptions.defaults().withThreads(1));
      assertArrayEquals(bits(Scoring.logits(dense, List.of(ad), batch)), bits(Scoring.logits(m, List.of(ad), batch)), "logits tile=" + tile);
      assertBitIdentical(ForwardBackward.run(dense, List.of(), ad, batch, 3), ForwardBackward.run(m, List.of(), ad, batch, 3), "q8_0 tile=" + tile);
    }
  }
}
