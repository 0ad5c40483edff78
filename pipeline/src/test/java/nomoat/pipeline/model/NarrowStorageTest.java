package nomoat.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Frozen weights kept in BF16/F16 compute with exactly the numbers of their FP32 copy: widening is exact and the FP32
 * path runs the same tiles (as views), so logits, loss and LoRA gradients are bit-identical to the FP32 path on a model
 * whose weights are representable in the narrow format, at any tile size.
 */
class NarrowStorageTest {
  static final Random RND = new Random(23);

  /** Every narrow matrix of w with tiles of n elements (tiny tiles: many tiles per product, partial last tiles). */
  static LlamaWeights withTiles(LlamaWeights w, int n) {
    Map<String, FrozenMatrix> t = new TreeMap<>();
    w.storedTensors().forEach((k, v) -> t.put(k, v instanceof TiledMatrix tm ? tm.withTileElements(n) : v));
    return LlamaWeights.ofStored(w.config(), t);
  }

  static float[] bits(INDArray a) { return a.castTo(DataType.FLOAT).dup('c').data().asFloat(); }

  static void assertBitIdentical(StepResult want, StepResult got, String what) {
    assertEquals(want.lossSum(), got.lossSum(), 0.0, what + ": loss");
    assertEquals(want.gradA().keySet(), got.gradA().keySet());
    for (String p : want.gradA().keySet()) {
      assertArrayEquals(bits(want.gradA().get(p)), bits(got.gradA().get(p)), what + ": dA " + p);
      assertArrayEquals(bits(want.gradB().get(p)), bits(got.gradB().get(p)), what + ": dB " + p);
    }
  }

  @ParameterizedTest
  @EnumSource(value = WeightStorage.class, names = {"BFLOAT16", "FLOAT16"})
  void narrowWeightsGiveBitIdenticalLogitsLossAndGradients(WeightStorage storage) {
    for (boolean tied : new boolean[] {false, true}) {
      LlamaConfig c = TinyModels.config(200, 64, 160, 2, 4, 2, tied);     // several 64-row/column tiles, partial last ones
      LlamaWeights fp32 = TinyModels.weights(c, DataType.FLOAT, 3).as(storage).as(WeightStorage.FLOAT32);   // representable values
      LoraAdapter ad = TinyModels.adapter(c, TinyModels.spec(2, 4, 0.2, Set.copyOf(LoraSpec.ALL_MODULES), null), DataType.FLOAT, 4);
      int[] ids = TinyModels.randomIds(RND, 2 * 9, c.vocabSize());
      Batch batch = new Batch(2, 9, ids, ids.clone(), null, null, null);
      for (int tile : new int[] {TiledMatrix.DEFAULT_TILE_ELEMENTS, 1}) {   // one tile per product; 64-row/column tiles
        LlamaModel dense = new LlamaModel(withTiles(fp32, tile), EngineOptions.defaults().withThreads(1));
        INDArray logits = Scoring.logits(dense, List.of(ad), batch);
        StepResult grads = ForwardBackward.run(dense, List.of(), ad, batch, 7);
        LlamaWeights narrow = withTiles(fp32.as(storage), tile);
        assertEquals(storage.configName(), narrow.stored("model.layers.1.mlp.down_proj.weight").format());
        assertEquals(storage.configName(), narrow.stored("model.embed_tokens.weight").format());
        assertEquals("float32", narrow.stored("model.norm.weight").format());
        LlamaModel m = new LlamaModel(narrow, EngineOptions.defaults().withThreads(1));
        String what = storage + " tied=" + tied + " tile=" + tile;
        assertArrayEquals(bits(logits), bits(Scoring.logits(m, List.of(ad), batch)), what + ": logits");
        assertBitIdentical(grads, ForwardBackward.run(m, List.of(), ad, batch, 7), what);
      }
    }
  }

  @Test
  void narrowStorageHalvesTheBytesAndRoundsToNearestEven() {
    LlamaConfig c = TinyModels.gqa();
    LlamaWeights w = TinyModels.weights(c, DataType.FLOAT, 5);
    LlamaWeights bf = w.as(WeightStorage.BFLOAT16);
    long norms = 0;
    for (Map.Entry<String, FrozenMatrix> e : w.storedTensors().entrySet())
      if (e.getKey().endsWith("norm.weight")) norms += e.getValue().storedBytes();
    assertEquals((w.storedBytes() - norms) / 2 + norms, bf.storedBytes());
    INDArray orig = w.get("model.layers.0.self_attn.q_proj.weight"), back = bf.get("model.layers.0.self_attn.q_proj.weight");
    float[] o = bits(orig), b = bits(back);
    for (int i = 0; i < o.length; i++) assertEquals(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(o[i])), b[i], 0f);
    assertTrue(w.as(WeightStorage.STORED) == w);
    assertThrows(IllegalArgumentException.class, () -> TinyModels.weights(c, DataType.DOUBLE, 1).as(WeightStorage.BFLOAT16));
  }

  @Test
  void embeddingRowsAndBothProductsMatchTheWidenedMatrix() {
    int rows = 150, cols = 140;
    ByteBuffer data = FrozenMatrix.allocate((long) rows * cols * 2);
    INDArray want = Nd4j.createUninitialized(DataType.FLOAT, rows, cols);
    for (int i = 0; i < rows * cols; i++) {
      short h = (short) RND.nextInt(1 << 16);
      while (Float.isNaN(HalfFloats.halfToFloat(h)) || Float.isInfinite(HalfFloats.halfToFloat(h))) h = (short) RND.nextInt(1 << 16);
      data.putShort(i * 2, h);
      want.putScalar(i / cols, i % cols, HalfFloats.halfToFloat(h));
    }
    TiledMatrix f16 = ((TiledMatrix) FrozenMatrix.float16(rows, cols, data)).withTileElements(1);     // 64-row / 64-column tiles
    assertArrayEquals(bits(want), bits(f16.toDense()));
    assertArrayEquals(bits(Nd4j.pullRows(want, 1, new int[] {4, 0, 12, 4})), bits(f16.gatherRows(new int[] {4, 0, 12, 4})));
    INDArray x = TinyModels.randn(RND, DataType.FLOAT, 1, 5, cols), dy = TinyModels.randn(RND, DataType.FLOAT, 1, 5, rows);
    TiledMatrix fp32 = ((TiledMatrix) FrozenMatrix.dense(want)).withTileElements(1);
    for (Gemm g : List.of(Gemm.OPENBLAS, Gemm.ND4J)) {
      assertArrayEquals(bits(fp32.mulTransposed(g, x)), bits(f16.mulTransposed(g, x)), "x W^T " + g.direct());
      assertArrayEquals(bits(fp32.mul(g, dy)), bits(f16.mul(g, dy)), "dy W " + g.direct());
      // and the tiles add up to the whole product (to rounding: the gemm kernels' blocking differs)
      assertTrue(g.mm(x, want, false, true).sub(f16.mulTransposed(g, x)).amaxNumber().doubleValue() < 1e-2, "x W^T vs whole");
      INDArray acc = TinyModels.randn(RND, DataType.FLOAT, 1, 5, cols), acc2 = acc.dup();
      fp32.mulInto(g, dy, acc, 1.0);
      f16.mulInto(g, dy, acc2, 1.0);
      assertArrayEquals(bits(acc), bits(acc2), "dx += dy W " + g.direct());
    }
  }
}
