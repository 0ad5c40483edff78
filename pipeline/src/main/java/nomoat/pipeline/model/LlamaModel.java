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
 * Runs in the weights' dtype (FP32 in production; tests use DOUBLE).
 */
public final class LlamaModel {
  private final LlamaWeights weights;
  private final LlamaConfig config;
  final INDArray embed;            // [V, H]
  final INDArray head;             // [V, H]
  final List<DecoderLayer> layers;
  final RmsNorm finalNorm;
  final double[] invFreq;

  public LlamaModel(LlamaWeights weights) {
    BlasCpuCheck.once();
    this.weights = weights;
    this.config = weights.config();
    LlamaConfig c = config;
    embed = weights.get("model.embed_tokens.weight");
    head = weights.lmHead();
    List<DecoderLayer> ls = new ArrayList<>();
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "model.layers." + i + ".";
      ls.add(new DecoderLayer(i,
          new RmsNorm(weights.get(p + "input_layernorm.weight"), c.rmsNormEps()),
          linear(i, "q_proj"), linear(i, "k_proj"), linear(i, "v_proj"), linear(i, "o_proj"),
          new RmsNorm(weights.get(p + "post_attention_layernorm.weight"), c.rmsNormEps()),
          new Mlp(linear(i, "gate_proj"), linear(i, "up_proj"), linear(i, "down_proj"))));
    }
    layers = List.copyOf(ls);
    finalNorm = new RmsNorm(weights.get("model.norm.weight"), c.rmsNormEps());
    invFreq = Rope.invFreq(c);
  }

  private Linear linear(int layer, String module) {
    String path = LoraAdapter.modulePath(layer, module);
    return new Linear(path, weights.get(path + ".weight"), weights.has(path + ".bias") ? weights.get(path + ".bias") : null);
  }

  public LlamaConfig config() { return config; }

  public LlamaWeights weights() { return weights; }

  public DataType dataType() { return embed.dataType(); }

  /**
   * Fails with a clear message unless every module of the adapter is a projection of this model and its tensors
   * fit it: A [r, in], B [out, r], in the model's dtype.
   */
  public void checkAdapter(LoraAdapter adapter) {
    for (String path : adapter.a().keySet()) {
      if (!weights.has(path + ".weight"))
        throw new IllegalArgumentException("adapter module '" + path + "' is not a projection of this model (" + config.numLayers() + " layers)");
      INDArray w = weights.get(path + ".weight"), a = adapter.a().get(path), b = adapter.b().get(path);
      if (a.rank() != 2 || b.rank() != 2 || a.columns() != w.columns() || b.rows() != w.rows() || a.rows() != b.columns())
        throw new IllegalArgumentException("adapter module '" + path + "': A " + java.util.Arrays.toString(a.shape()) + " and B "
            + java.util.Arrays.toString(b.shape()) + " do not fit weight " + java.util.Arrays.toString(w.shape()) + " (need A [r, in], B [out, r])");
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
    return Nd4j.pullRows(embed, 1, ids);
  }

  /** Rotary tables {cos, sin} for the given positions and head count. */
  INDArray[] rope(int[] positions, int heads) {
    return Rope.tables(invFreq, positions, heads, dataType());
  }

  /** Everything the layers share during one step over a batch. */
  DecoderLayer.Step step(Batch batch, Map<String, ActiveLora> lora) {
    LlamaConfig c = config;
    int b = batch.batchSize(), t = batch.seqLen(), nh = c.numHeads();
    INDArray[] rq = rope(batch.positionIds(), nh), rk = c.numKvHeads() == nh ? rq : rope(batch.positionIds(), c.numKvHeads());
    Attention.Shape shape = new Attention.Shape(b, t, nh, c.numKvHeads(), c.headDim(), Math.min(t, Attention.tileRows));
    INDArray[] masks = new INDArray[shape.tiles()];
    for (int tile = 0; tile < masks.length; tile++) {
      int r0 = shape.start(tile), r1 = shape.end(tile), rows = r1 - r0, size = rows * r1;
      INDArray m = Nd4j.createUninitialized(dataType(), (long) b * nh * rows, r1);
      float[] block = new float[size];                          // one batch row's [rows, r1] block; the same for every head
      for (int r = 0; r < b; r++) {
        java.util.Arrays.fill(block, 0f);
        for (int tq = r0; tq < r1; tq++) {
          int row = (tq - r0) * r1;
          boolean any = false;
          for (int tk = 0; tk < r1; tk++)
            if (!batch.attends(r, tq, tk)) block[row + tk] = (float) Attention.MASKED;   // exact in float
            else any = true;
          if (!any) block[row + tq] = 0;   // a padding query that sees nothing attends to itself (output unused)
        }
        for (int h = 0; h < nh; h++) Kernels.put(m, (r * nh + h) * size, block, 0, size);
      }
      masks[tile] = m;
    }
    return new DecoderLayer.Step(shape, masks, new Attention.RopeTables(rq[0], rq[1], rk[0], rk[1]), lora);
  }
}
