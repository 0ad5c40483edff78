package nomoat.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * KV-cache decoding runs the same forward as training and scoring: decoding position by position (and in prefill
 * chunks, in one or several attention tiles) gives the full forward's logits at every position.
 */
class DecodingTest {
  private static final DataType D = DataType.DOUBLE;
  private static final double TOL = 1e-10;

  private static LlamaModel model(LlamaConfig c, int tileRows) {
    return new LlamaModel(TinyModels.withAttentionBias(TinyModels.weights(c, D, 3), 4), EngineOptions.defaults().withAttentionTileRows(tileRows));
  }

  private static LoraAdapter adapter(LlamaConfig c) {
    return TinyModels.adapter(c, TinyModels.spec(2, 4, 0, Set.copyOf(LoraSpec.ALL_MODULES), null), D, 5);
  }

  /** Feeds ids one token at a time into a fresh decoder; each step's logits must be row at + t of full. */
  private static void decodeOneByOne(LlamaModel model, List<LoraAdapter> adapters, int[] ids, INDArray full, int at, String what) {
    IncrementalDecoder dec = new IncrementalDecoder(model, adapters, ids.length);
    for (int t = 0; t < ids.length; t++)
      assertArrayEquals(full.getRow(at + t).toDoubleVector(), dec.feed(ids[t]), TOL, what + ", position " + t);
  }

  private static void positionByPositionEqualsFullForward(LlamaConfig c, String what) {
    for (int tileRows : new int[] {256, 2}) {
      LlamaModel model = model(c, tileRows);
      List<LoraAdapter> adapters = List.of(adapter(c));
      int[] ids = TinyModels.randomIds(new Random(7), 9, c.vocabSize());
      INDArray full = Scoring.logits(model, adapters, new Batch(1, 9, ids, ids.clone(), null, null, null));   // [9, V]
      decodeOneByOne(model, adapters, ids, full, 0, what + ", tiles of " + tileRows);
      // prefill chunks after earlier positions (several tiles each when tileRows = 2), then single steps
      IncrementalDecoder dec = new IncrementalDecoder(model, adapters, 9);
      assertArrayEquals(full.getRow(3).toDoubleVector(), dec.feed(Arrays.copyOfRange(ids, 0, 4)), TOL, what + " prefill [0, 4)");
      assertArrayEquals(full.getRow(6).toDoubleVector(), dec.feed(Arrays.copyOfRange(ids, 4, 7)), TOL, what + " chunk [4, 7)");
      for (int t = 7; t < 9; t++) assertArrayEquals(full.getRow(t).toDoubleVector(), dec.feed(ids[t]), TOL, what + " step " + t);
    }
  }

  @Test
  void multiHeadAttention() {
    positionByPositionEqualsFullForward(TinyModels.config(23, 16, 24, 2, 4, 4, false), "MHA");
  }

  @Test
  void groupedQueryAttention() {
    positionByPositionEqualsFullForward(TinyModels.gqa(), "GQA");
  }

  @Test
  void packedRowsDecodeAsTheirSeparateSegments() {
    LlamaConfig c = TinyModels.gqa();
    LlamaModel model = model(c, 4);
    List<LoraAdapter> adapters = List.of(adapter(c));
    // two rows of 10: [seg 1: 4 tokens | seg 2: 3 | padding 3] and [seg 1: 6 | seg 2: 4]
    int t = 10;
    int[] ids = TinyModels.randomIds(new Random(9), 2 * t, c.vocabSize());
    int[] seg = {1, 1, 1, 1, 2, 2, 2, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2};
    int[] attn = new int[2 * t];
    for (int i = 0; i < attn.length; i++) attn[i] = seg[i] == 0 ? 0 : 1;
    INDArray full = Scoring.logits(model, adapters, new Batch(2, t, ids, ids.clone(), attn, seg, null));   // [2T, V]
    int[][] segments = {{0, 4}, {4, 7}, {10, 16}, {16, 20}};        // [from, to) in flat positions
    for (int[] s : segments)
      decodeOneByOne(model, adapters, Arrays.copyOfRange(ids, s[0], s[1]), full, s[0], "segment at " + s[0]);
  }

  @Test
  void theCacheRefusesPositionsBeyondItsCapacity() {
    LlamaConfig c = TinyModels.gqa();
    IncrementalDecoder dec = new IncrementalDecoder(model(c, 256), List.of(), 3);
    dec.feed(1, 2);
    assertThrows(IllegalStateException.class, () -> dec.feed(3, 4));
    dec.feed(3);
  }
}
