package nomoat.pipeline.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.lora.LoraAdapter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A LLaMA decoder over frozen weights: embedding, blocks, final norm, LM head. Immutable and safe to share
 * between threads (every step allocates its own activations), so an executor JVM can cache one instance.
 * Runs in the weights' dtype (FP32 in production; tests use DOUBLE), with the {@link EngineOptions} it was built
 * with. {@link #forward} is the one forward through the blocks: training, scoring and KV-cache decoding all run it.
 */
public final class LlamaModel {
  private final LlamaWeights weights;
  private final LlamaConfig config;
  private final EngineOptions options;
  final Gemm gemm;
  final Workspaces workspaces;
  final FrozenMatrix embed;        // [V, H]
  final FrozenMatrix head;         // [V, H]
  final List<DecoderLayer> layers;
  final RmsNorm finalNorm;
  final double[] invFreq;

  /** With {@link EngineOptions#defaults()}. */
  public LlamaModel(LlamaWeights weights) {
    this(weights, EngineOptions.defaults());
  }

  public LlamaModel(LlamaWeights weights, EngineOptions options) {
    BlasCpuCheck.once();
    this.weights = weights;
    this.config = weights.config();
    this.options = options;
    this.gemm = Gemm.of(options.gemm());
    this.workspaces = Workspaces.of(options.workspaces());
    LlamaConfig c = config;
    embed = weights.stored("model.embed_tokens.weight");
    head = weights.stored(weights.lmHeadName());
    List<DecoderLayer> ls = new ArrayList<>();
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "model.layers." + i + ".";
      ls.add(new DecoderLayer(i,
          new RmsNorm(weights.get(p + "input_layernorm.weight"), c.rmsNormEps()),
          linear(i, "q_proj"), linear(i, "k_proj"), linear(i, "v_proj"), linear(i, "o_proj"),
          new RmsNorm(weights.get(p + "post_attention_layernorm.weight"), c.rmsNormEps()),
          new Mlp(linear(i, "gate_proj"), linear(i, "up_proj"), linear(i, "down_proj")), gemm));
    }
    layers = List.copyOf(ls);
    finalNorm = new RmsNorm(weights.get("model.norm.weight"), c.rmsNormEps());
    invFreq = Rope.invFreq(c);
  }

  private Linear linear(int layer, String module) {
    String path = LlamaWeights.modulePath(layer, module);
    return new Linear(path, weights.stored(path + ".weight"), weights.has(path + ".bias") ? weights.get(path + ".bias") : null, gemm);
  }

  public LlamaConfig config() { return config; }

  public LlamaWeights weights() { return weights; }

  public EngineOptions options() { return options; }

  /** The same frozen weights run with other engine options (the weights are shared, not copied). */
  public LlamaModel withOptions(EngineOptions other) {
    return other.equals(options) ? this : new LlamaModel(weights, other);
  }

  public DataType dataType() { return embed.computeType(); }

  /**
   * Fails with a clear message unless every module of the adapter is a projection of this model and its tensors
   * fit it: A [r, in], B [out, r], in the model's dtype.
   */
  public void checkAdapter(LoraAdapter adapter) {
    for (String path : adapter.a().keySet()) {
      if (!weights.has(path + ".weight"))
        throw new IllegalArgumentException("adapter module '" + path + "' is not a projection of this model (" + config.numLayers() + " layers)");
      FrozenMatrix w = weights.stored(path + ".weight");
      INDArray a = adapter.a().get(path), b = adapter.b().get(path);
      if (a.rank() != 2 || b.rank() != 2 || a.columns() != w.columns() || b.rows() != w.rows() || a.rows() != b.columns())
        throw new IllegalArgumentException("adapter module '" + path + "': A " + java.util.Arrays.toString(a.shape()) + " and B "
            + java.util.Arrays.toString(b.shape()) + " do not fit weight [" + w.rows() + ", " + w.columns() + "]" + " (need A [r, in], B [out, r])");
      if (a.dataType() != dataType() || b.dataType() != dataType())
        throw new IllegalArgumentException("adapter module '" + path + "' is " + a.dataType() + "/" + b.dataType() + " but the model runs in " + dataType());
    }
  }

  void checkAdapters(List<LoraAdapter> frozen, LoraAdapter trainable) {
    if (frozen != null) frozen.forEach(this::checkAdapter);
    if (trainable != null) checkAdapter(trainable);
  }

  /** Token embeddings [ids.length, H]. */
  INDArray embed(int[] ids) {
    for (int id : ids)
      if (id < 0 || id >= config.vocabSize()) throw new IllegalArgumentException("token id " + id + " outside vocab of " + config.vocabSize());
    return embed.gatherRows(ids);
  }

  /** Rotary tables {cos, sin} for the given positions and head count. */
  INDArray[] rope(int[] positions, int heads) {
    return Rope.tables(invFreq, positions, heads, dataType());
  }

  /**
   * The decoder stack over token ids: embedding, then every block; returns the hidden states before the final norm
   * [ids.length, H]. With save != null, every layer from saveFrom up stores what its backward needs in save[layer].
   * The step says what the tokens attend to (and, when decoding, holds the key/value cache).
   */
  INDArray forward(int[] ids, DecoderLayer.Step st, DecoderLayer.Cache[] save, int saveFrom) {
    INDArray x = embed(ids);                                                   // [N, H]
    for (DecoderLayer l : layers) {
      DecoderLayer.Cache[] c = save != null && l.index >= saveFrom ? new DecoderLayer.Cache[1] : null;
      x = l.forward(x, st, c);
      if (c != null) save[l.index] = c[0];
    }
    return x;
  }

  /**
   * The decoder stack for training with recomputation: as {@link #forward} without caches, keeping only each layer's
   * input from layer from up (inputs[layer]); every layer's temporaries live in the phase workspace, reused by the next.
   */
  INDArray forwardKeepingInputs(int[] ids, DecoderLayer.Step st, INDArray[] inputs, int from) {
    INDArray x = embed(ids);                                                   // [N, H]
    for (DecoderLayer l : layers) {
      if (l.index >= from) inputs[l.index] = x;
      INDArray in = x;
      x = workspaces.run(Workspaces.PHASE, () -> workspaces.keep(l.forward(in, st, null)));
    }
    return x;
  }

  /** The logits [N, V] of final hidden states x [N, H] (for decoding and tests; training never builds them). */
  INDArray logits(INDArray x) {
    return head.mulTransposed(gemm, finalNorm.forward(x, null));
  }

  /** Everything the layers share during one step over a batch (training and scoring). */
  DecoderLayer.Step step(Batch batch, Map<String, ActiveLora> lora) {
    return step(batch.batchSize(), batch.seqLen(), 0, batch.positionIds(), batch::attends, lora, null);
  }

  /**
   * One decoding step over count new tokens of a single sequence after past cached ones: they see every cached
   * position and, causally, each other; their keys and values go into kv.
   */
  DecoderLayer.Step decodeStep(int past, int count, Map<String, ActiveLora> lora, KvCache kv) {
    int[] pos = new int[count];
    for (int i = 0; i < count; i++) pos[i] = past + i;
    return step(1, count, past, pos, (r, q, k) -> k <= q, lora, kv);
  }

  /** Whether row r's query at position q (counted from the first cached position) may see key position k. */
  interface Attends {
    boolean test(int r, int q, int k);
  }

  private DecoderLayer.Step step(int b, int t, int past, int[] positions, Attends attends, Map<String, ActiveLora> lora, KvCache kv) {
    LlamaConfig c = config;
    int nh = c.numHeads();
    INDArray[] rq = rope(positions, nh), rk = c.numKvHeads() == nh ? rq : rope(positions, c.numKvHeads());
    Attention.Shape shape = new Attention.Shape(b, t, nh, c.numKvHeads(), c.headDim(), Math.min(t, options.attentionTileRows()), past);
    INDArray[] masks = new INDArray[shape.tiles()];
    for (int tile = 0; tile < masks.length; tile++) masks[tile] = mask(shape, tile, attends);
    return new DecoderLayer.Step(shape, masks, new Attention.RopeTables(rq[0], rq[1], rk[0], rk[1]), lora, kv);
  }

  /** Tile r's additive mask [B*nh*rows, keys]; null when every query sees every key of the tile. */
  private INDArray mask(Attention.Shape shape, int tile, Attends attends) {
    int b = shape.b(), nh = shape.nh(), past = shape.past();
    int r0 = shape.start(tile), r1 = shape.end(tile), rows = r1 - r0, keys = shape.keys(tile), size = rows * keys;
    INDArray m = Nd4j.createUninitialized(dataType(), (long) b * nh * rows, keys);
    float[] block = new float[size];                              // one batch row's [rows, keys] block; the same for every head
    boolean masked = false;
    for (int r = 0; r < b; r++) {
      java.util.Arrays.fill(block, 0f);
      for (int tq = r0; tq < r1; tq++) {
        int row = (tq - r0) * keys;
        boolean any = false;
        for (int tk = 0; tk < keys; tk++)
          if (!attends.test(r, past + tq, tk)) {
            block[row + tk] = (float) Attention.MASKED;          // exact in float
            masked = true;
          } else any = true;
        if (!any) block[row + past + tq] = 0;   // a padding query that sees nothing attends to itself (output unused)
      }
      for (int h = 0; h < nh; h++) Buffers.put(m, (r * nh + h) * size, block, 0, size);
    }
    if (!masked) return null;
    return m;
  }
}
