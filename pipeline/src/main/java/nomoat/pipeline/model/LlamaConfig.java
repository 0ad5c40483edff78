package nomoat.pipeline.model;

import java.util.List;

/**
 * Architecture of a LLaMA-family model, with Hugging Face `config.json` meanings.
 *
 * @param headDim         per-head size (HF `head_dim`, default hiddenSize / numHeads)
 * @param ropeScaling     null, or Llama 3 style frequency scaling
 * @param eosTokenIds     every id that ends generation (HF allows an int or a list)
 * @param torchDtype      the dtype the checkpoint was saved in ("float32", "bfloat16", "float16"), for export
 */
public record LlamaConfig(
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    double rmsNormEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    int maxPositionEmbeddings,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    int bosTokenId,
    List<Integer> eosTokenIds,
    String torchDtype) {

  /** HF `rope_scaling` with `rope_type: llama3`. */
  public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {}

  public LlamaConfig {
    if (hiddenSize <= 0 || numLayers <= 0 || numHeads <= 0 || numKvHeads <= 0 || vocabSize <= 0 || intermediateSize <= 0)
      throw new IllegalArgumentException("model sizes must be positive");
    if (numHeads % numKvHeads != 0)
      throw new IllegalArgumentException("num_attention_heads " + numHeads + " is not a multiple of num_key_value_heads " + numKvHeads);
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /** Query heads per key/value head (1 = plain multi-head attention). */
  public int groupSize() { return numHeads / numKvHeads; }

  public int qDim() { return numHeads * headDim; }

  public int kvDim() { return numKvHeads * headDim; }
}
