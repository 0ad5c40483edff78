package nomoat.pipeline.format;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.model.FrozenMatrix;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaWeights;
import nomoat.pipeline.model.WeightStorage;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A llama-architecture GGUF file as a nomoat model: LlamaConfig from the `llama.*` keys, tensors renamed to
 * Hugging Face names, q/k rows converted from Meta's interleaved rotary layout to HF's rotate_half layout,
 * and the embedded SentencePiece vocabulary rebuilt as a HF tokenizer.json (see {@link SpmTokenizerJson}).
 */
public final class GgufLlama {
  private GgufLlama() {}

  private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.([a-z_]+)\\.weight");
  private static final Map<String, String> BLOCK_NAMES = Map.of(
      "attn_norm", "input_layernorm",
      "attn_q", "self_attn.q_proj",
      "attn_k", "self_attn.k_proj",
      "attn_v", "self_attn.v_proj",
      "attn_output", "self_attn.o_proj",
      "ffn_norm", "post_attention_layernorm",
      "ffn_gate", "mlp.gate_proj",
      "ffn_up", "mlp.up_proj",
      "ffn_down", "mlp.down_proj");

  public static LoadedModel load(Configuration conf, String uri) {
    return load(conf, uri, WeightStorage.FLOAT32);
  }

  /**
   * With the frozen matrices kept as storage says: STORED keeps F16/BF16 tensors 16-bit and Q8_0/Q4_0/Q4_K/Q6_K tensors
   * as their blocks (dequantised tile by tile in the products); F32 tensors and the norms are FP32.
   */
  public static LoadedModel load(Configuration conf, String uri, WeightStorage storage) {
    try (Gguf.Reader r = Gguf.open(conf, uri)) {
      LlamaConfig config = config(r);
      SpmTokenizerJson.Files tok = tokenizer(r, config.maxPositionEmbeddings());
      Map<String, long[]> expected = HfCheckpoint.expectedShapes(config);
      Map<String, FrozenMatrix> tensors = new HashMap<>();
      for (Map.Entry<String, String> e : checkedTensors(r, config).entrySet()) {
        String hf = e.getKey();
        Gguf.TensorInfo t = r.tensors().get(e.getValue());
        long[] want = expected.get(hf);
        int heads = hf.endsWith("q_proj.weight") ? config.numHeads() : hf.endsWith("k_proj.weight") ? config.numKvHeads() : 0;
        if (storage != WeightStorage.FLOAT32 && want.length == 2 && t.type() != Gguf.GgmlType.F32) {
          tensors.put(hf, stored(r, t, want, heads));
          continue;
        }
        INDArray w = r.read(t.name());
        if (heads > 0) w = unpermuteRotary(w, heads);
        tensors.put(hf, FrozenMatrix.dense(w));
      }
      return new LoadedModel(config, LlamaWeights.ofStored(config, tensors).as(storage), tok.tokenizerJson(), tok.tokenizerConfigJson());
    }
  }

  /** The model without its weights: metadata, embedded vocabulary, every tensor's name and shape checked; no tensor read. */
  public static ModelHeader header(Configuration conf, String uri) {
    try (Gguf.Reader r = Gguf.open(conf, uri)) {
      LlamaConfig config = config(r);
      SpmTokenizerJson.Files tok = tokenizer(r, config.maxPositionEmbeddings());
      checkedTensors(r, config);
      return new ModelHeader(config, tok.tokenizerJson(), tok.tokenizerConfigJson());
    }
  }

  /** HF name -> GGUF name of every tensor the model uses, after checking names and shapes against the config. */
  private static Map<String, String> checkedTensors(Gguf.Reader r, LlamaConfig config) {
    Map<String, long[]> expected = HfCheckpoint.expectedShapes(config);
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (Gguf.TensorInfo t : r.tensors().values()) {
      String hf = hfName(r, t.name());
      if (hf.equals("lm_head.weight") && config.tieWordEmbeddings()) continue;
      long[] want = expected.get(hf);
      if (want == null) throw NomoatException.inputData("GGUF file " + r.path() + ": tensor '" + t.name() + "' (" + hf + ") is not part of a "
          + config.numLayers() + "-layer llama model");
      if (!Arrays.equals(want, t.shape()))
        throw NomoatException.inputData("GGUF file " + r.path() + ": tensor '" + t.name() + "' has shape " + Arrays.toString(t.shape())
            + ", expected " + Arrays.toString(want) + " from the llama.* metadata");
      out.put(hf, t.name());
    }
    for (String name : expected.keySet())
      if (!out.containsKey(name))
        throw NomoatException.inputData("GGUF file " + r.path() + " lacks the tensor for " + name);
    return out;
  }

  /** A 16-bit or quantised tensor [rows, cols] kept as stored (q/k rows un-interleaved when heads > 0). */
  private static FrozenMatrix stored(Gguf.Reader r, Gguf.TensorInfo t, long[] shape, int heads) {
    ByteBuffer raw = r.readRaw(t.name());
    long rows = shape[0], cols = shape[1];
    if (heads > 0) raw = unpermuteRotaryRows(raw, rows, (int) (raw.capacity() / rows), heads);
    return switch (t.type()) {
      case F16 -> FrozenMatrix.float16(rows, cols, raw);
      case BF16 -> FrozenMatrix.bfloat16(rows, cols, raw);
      default -> FrozenMatrix.quantized(GgmlBlocks.quant(t.type()), rows, cols, raw);
    };
  }

  /** {@link #unpermuteRotary} on stored rows of rowBytes bytes each (any element format: rows move whole). */
  static ByteBuffer unpermuteRotaryRows(ByteBuffer raw, long rows, int rowBytes, int nHeads) {
    ByteBuffer out = FrozenMatrix.allocate(raw.capacity());
    int hd = (int) (rows / nHeads), half = hd / 2;
    byte[] row = new byte[rowBytes];
    for (int h = 0; h < nHeads; h++)
      for (int i = 0; i < half; i++)
        for (int j = 0; j < 2; j++) {
          raw.get((h * hd + 2 * i + j) * rowBytes, row, 0, rowBytes);
          out.put((h * hd + j * half + i) * rowBytes, row, 0, rowBytes);
        }
    return out;
  }

  /** Only the embedded vocabulary of a llama GGUF file as tokenizer.json + tokenizer_config.json (no tensor is read). */
  public static SpmTokenizerJson.Files tokenizer(Configuration conf, String uri) {
    try (Gguf.Reader r = Gguf.open(conf, uri)) {
      return tokenizer(r, config(r).maxPositionEmbeddings());
    }
  }

  /** Only the model's shape, from the header (metadata and tensor table; the tied-embedding check may read the two tensors). */
  public static LlamaConfig readConfig(Configuration conf, String uri) {
    try (Gguf.Reader r = Gguf.open(conf, uri)) {
      return config(r);
    }
  }

  /** HF name of a GGUF llama tensor. */
  static String hfName(Gguf.Reader r, String gguf) {
    switch (gguf) {
      case "token_embd.weight": return "model.embed_tokens.weight";
      case "output_norm.weight": return "model.norm.weight";
      case "output.weight": return "lm_head.weight";
      case "rope_freqs.weight":
        throw NomoatException.inputData("GGUF file " + r.path() + " carries rope_freqs.weight (Llama 3.1-style RoPE scaling); "
            + "load this model from its Hugging Face checkpoint instead");
      default:
        Matcher m = BLOCK.matcher(gguf);
        String hf = m.matches() ? BLOCK_NAMES.get(m.group(2)) : null;
        if (hf == null) throw NomoatException.inputData("GGUF file " + r.path() + " has tensor '" + gguf + "' which a llama model does not have");
        return "model.layers." + m.group(1) + "." + hf + ".weight";
    }
  }

  static LlamaConfig config(Gguf.Reader r) {
    String arch = r.string("general.architecture");
    if (!arch.equals("llama"))
      throw NomoatException.inputData("GGUF file " + r.path() + " has general.architecture '" + arch + "'; only 'llama' is supported");
    int hidden = intKey(r, "llama.embedding_length");
    int heads = intKey(r, "llama.attention.head_count");
    int kvHeads = r.has("llama.attention.head_count_kv") ? intKey(r, "llama.attention.head_count_kv") : heads;
    int headDim = r.has("llama.attention.key_length") ? intKey(r, "llama.attention.key_length") : hidden / heads;
    if (r.has("llama.rope.dimension_count") && intKey(r, "llama.rope.dimension_count") != headDim)
      throw NomoatException.inputData("GGUF file " + r.path() + ": llama.rope.dimension_count " + r.integer("llama.rope.dimension_count")
          + " differs from head_dim " + headDim + " (partial rotary embeddings are not supported)");
    if (r.has("llama.rope.scaling.type") && !r.string("llama.rope.scaling.type").equals("none"))
      throw NomoatException.inputData("GGUF file " + r.path() + ": llama.rope.scaling.type '" + r.string("llama.rope.scaling.type")
          + "' is not supported");
    if (r.has("llama.expert_count") && r.integer("llama.expert_count") > 0)
      throw NomoatException.inputData("GGUF file " + r.path() + " is a mixture-of-experts model; not supported");
    Gguf.TensorInfo embd = r.info("token_embd.weight");
    int vocab = r.has("tokenizer.ggml.tokens") ? r.array("tokenizer.ggml.tokens").size()
        : r.has("llama.vocab_size") ? intKey(r, "llama.vocab_size") : (int) embd.ne()[1];
    if (embd.ne()[1] != vocab)
      throw NomoatException.inputData("GGUF file " + r.path() + ": token_embd.weight has " + embd.ne()[1] + " rows but the vocabulary has "
          + vocab + " tokens");
    // tied when there is no output matrix, or it is a byte-for-byte copy of the embedding (llama2c conversions)
    boolean tied = !r.tensors().containsKey("output.weight") || r.sameData("output.weight", "token_embd.weight");
    int bos = r.has("tokenizer.ggml.bos_token_id") ? intKey(r, "tokenizer.ggml.bos_token_id") : 1;
    int eos = r.has("tokenizer.ggml.eos_token_id") ? intKey(r, "tokenizer.ggml.eos_token_id") : 2;
    String dtype;
    switch (embd.type()) {
      case F32: dtype = "float32"; break;
      case BF16: dtype = "bfloat16"; break;
      default: dtype = "float16"; break; // F16 and the quantized types export as float16
    }
    try {
      return new LlamaConfig(vocab, hidden, intKey(r, "llama.feed_forward_length"), intKey(r, "llama.block_count"), heads, kvHeads, headDim,
          r.has("llama.attention.layer_norm_rms_epsilon") ? r.number("llama.attention.layer_norm_rms_epsilon") : 1e-5,
          r.has("llama.rope.freq_base") ? r.number("llama.rope.freq_base") : 10000.0, null,
          r.has("llama.context_length") ? intKey(r, "llama.context_length") : 2048, tied, false, bos, List.of(eos), dtype);
    } catch (IllegalArgumentException e) {
      throw NomoatException.inputData("GGUF file " + r.path() + ": inconsistent llama metadata: " + e.getMessage(), e);
    }
  }

  private static int intKey(Gguf.Reader r, String key) {
    long v = r.integer(key);
    if (v < 0 || v > Integer.MAX_VALUE) throw NomoatException.inputData("GGUF file " + r.path() + ": " + key + " = " + v + " is out of range");
    return (int) v;
  }

  /**
   * Meta/GGUF interleaved rotary rows -> HF rotate_half rows, per head: GGUF row h*hd + 2i + j holds HF row
   * h*hd + j*hd/2 + i. Inverse of llama.cpp's convert_hf_to_gguf permute. w: [nHeads*hd, in].
   */
  public static INDArray unpermuteRotary(INDArray w, int nHeads) {
    long out = w.size(0), in = w.size(1);
    long half = out / nHeads / 2;
    return w.reshape('c', nHeads, half, 2, in).permute(0, 2, 1, 3).dup('c').reshape('c', out, in);
  }

  static SpmTokenizerJson.Files tokenizer(Gguf.Reader r, int modelMaxLength) {
    String model = r.string("tokenizer.ggml.model");
    if (!model.equals("llama"))
      throw NomoatException.inputData("GGUF file " + r.path() + " has tokenizer.ggml.model '" + model
          + "'; only 'llama' (SentencePiece BPE) vocabularies are supported");
    List<?> tokens = r.array("tokenizer.ggml.tokens");
    List<?> scores = r.has("tokenizer.ggml.scores") ? r.array("tokenizer.ggml.scores") : null;
    List<?> types = r.has("tokenizer.ggml.token_type") ? r.array("tokenizer.ggml.token_type") : null;
    if (scores == null || scores.size() != tokens.size())
      throw NomoatException.inputData("GGUF file " + r.path() + ": tokenizer.ggml.scores missing or not one per token");
    if (types != null && types.size() != tokens.size())
      throw NomoatException.inputData("GGUF file " + r.path() + ": tokenizer.ggml.token_type is not one per token");
    List<String> pieces = new ArrayList<>(tokens.size());
    float[] sc = new float[tokens.size()];
    int[] ty = new int[tokens.size()];
    for (int i = 0; i < tokens.size(); i++) {
      if (!(tokens.get(i) instanceof String) || !(scores.get(i) instanceof Number) || (types != null && !(types.get(i) instanceof Long)))
        throw NomoatException.inputData("GGUF file " + r.path() + ": tokenizer arrays have the wrong element types at token " + i);
      pieces.add((String) tokens.get(i));
      sc[i] = ((Number) scores.get(i)).floatValue();
      ty[i] = types == null ? SpmTokenizerJson.NORMAL : (int) (long) (Long) types.get(i);
    }
    int unk = r.has("tokenizer.ggml.unknown_token_id") ? intKey(r, "tokenizer.ggml.unknown_token_id") : 0;
    int bos = r.has("tokenizer.ggml.bos_token_id") ? intKey(r, "tokenizer.ggml.bos_token_id") : 1;
    int eos = r.has("tokenizer.ggml.eos_token_id") ? intKey(r, "tokenizer.ggml.eos_token_id") : 2;
    // llama.cpp writes -1 (as u32 0xFFFFFFFF) for "no padding token"
    long padRaw = r.has("tokenizer.ggml.padding_token_id") ? r.integer("tokenizer.ggml.padding_token_id") : -1;
    Integer pad = padRaw >= 0 && padRaw < pieces.size() ? (int) padRaw : null;
    boolean addBos = !r.has("tokenizer.ggml.add_bos_token") || r.bool("tokenizer.ggml.add_bos_token");
    boolean addEos = r.has("tokenizer.ggml.add_eos_token") && r.bool("tokenizer.ggml.add_eos_token");
    boolean addSpacePrefix = !r.has("tokenizer.ggml.add_space_prefix") || r.bool("tokenizer.ggml.add_space_prefix");
    String chatTemplate = r.has("tokenizer.chat_template") ? r.string("tokenizer.chat_template") : null;
    try {
      return SpmTokenizerJson.build(new SpmTokenizerJson.Vocab(pieces, sc, ty, unk, bos, eos, pad, addBos, addEos, addSpacePrefix, modelMaxLength,
          chatTemplate));
    } catch (IllegalArgumentException e) {
      throw NomoatException.inputData("GGUF file " + r.path() + ": cannot build a tokenizer from the embedded vocabulary: " + e.getMessage(), e);
    }
  }
}
