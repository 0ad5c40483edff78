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

  /**
   * A 16-bit or quantised tensor [rows, cols] kept as stored: the file's mapped pages when it is local, else one read
   * into an off-heap buffer. q/k rows stay in the file's interleaved rotary order and are read in HF's order in place.
   */
  private static FrozenMatrix stored(Gguf.Reader r, Gguf.TensorInfo t, long[] shape, int heads) {
    ByteBuffer raw = r.storedData(t.name());
    long rows = shape[0], cols = shape[1];
    return switch (t.type()) {
      case F16 -> FrozenMatrix.half(false, rows, cols, raw, heads);
      case BF16 -> FrozenMatrix.half(true, rows, cols, raw, heads);
      default -> FrozenMatrix.quantized(GgmlBlocks.quant(t.type()), rows, cols, raw, heads);
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
    SpmTokenizerJson.Vocab v = vocab(r, modelMaxLength);
    try {
      return SpmTokenizerJson.build(v);
    } catch (IllegalArgumentException e) {
      throw NomoatException.inputData("GGUF file " + r.path() + ": cannot build a tokenizer from the embedded vocabulary: " + e.getMessage(), e);
    }
  }

  /** Only the embedded SentencePiece vocabulary of a llama GGUF file, as stored (no tensor is read). */
  public static SpmTokenizerJson.Vocab vocab(Configuration conf, String uri) {
    try (Gguf.Reader r = Gguf.open(conf, uri)) {
      return vocab(r, config(r).maxPositionEmbeddings());
    }
  }

  static SpmTokenizerJson.Vocab vocab(Gguf.Reader r, int modelMaxLength) {
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
    return new SpmTokenizerJson.Vocab(pieces, sc, ty, unk, bos, eos, pad, addBos, addEos, addSpacePrefix, modelMaxLength, chatTemplate);
  }

  // ---------------------------------------------------------------------------------------------------- writing

  /** GGUF name of a HF llama tensor name (llama.cpp's names). */
  public static String ggufName(String hf) {
    switch (hf) {
      case "model.embed_tokens.weight": return "token_embd.weight";
      case "model.norm.weight": return "output_norm.weight";
      case "lm_head.weight": return "output.weight";
      default:
        Matcher m = HF_BLOCK.matcher(hf);
        if (m.matches())
          for (Map.Entry<String, String> e : BLOCK_NAMES.entrySet())
            if (e.getValue().equals(m.group(2))) return "blk." + m.group(1) + "." + e.getKey() + ".weight";
        throw new IllegalArgumentException("'" + hf + "' is not a llama tensor name");
    }
  }

  private static final Pattern HF_BLOCK = Pattern.compile("model\\.layers\\.(\\d+)\\.([a-z_.]+)\\.weight");

  /**
   * The tensors of a llama model in llama.cpp's file order (embedding, layer by layer, final norm, output unless tied):
   * HF name -> GGUF spec; norms F32, matrices matrixType.
   */
  public static Map<String, Gguf.TensorSpec> tensorSpecs(LlamaConfig c, Gguf.GgmlType matrixType) {
    Map<String, Gguf.TensorSpec> out = new java.util.LinkedHashMap<>();
    Map<String, long[]> shapes = HfCheckpoint.expectedShapes(c);
    List<String> order = new ArrayList<>();
    order.add("model.embed_tokens.weight");
    for (int l = 0; l < c.numLayers(); l++)
      for (String m : List.of("input_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
          "post_attention_layernorm", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"))
        order.add("model.layers." + l + "." + m + ".weight");
    order.add("model.norm.weight");
    if (!c.tieWordEmbeddings()) order.add("lm_head.weight");
    for (String hf : order) {
      long[] shape = shapes.get(hf);
      if (shape == null) throw new IllegalStateException("no expected shape for " + hf);
      out.put(hf, new Gguf.TensorSpec(ggufName(hf), shape, shape.length == 2 ? matrixType : Gguf.GgmlType.F32));
    }
    return out;
  }

  /**
   * The GGUF metadata of a llama model as llama.cpp writes it: general.*, llama.* (shape, norm epsilon, RoPE base) and the
   * vocabulary as tokenizer.ggml.* keys. fileType is llama.cpp's general.file_type (0 F32, 1 F16, 7 Q8_0, 32 BF16).
   */
  public static Map<String, Object> metadata(LlamaConfig c, SpmTokenizerJson.Vocab v, String name, long fileType) {
    if (c.ropeScaling() != null) throw new IllegalArgumentException("RoPE scaling is not written to GGUF files");
    if (c.attentionBias()) throw new IllegalArgumentException("attention biases are not written to GGUF files");
    if (v.pieces().size() != c.vocabSize())
      throw new IllegalArgumentException("the vocabulary has " + v.pieces().size() + " tokens, the model " + c.vocabSize());
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("general.architecture", "llama");
    m.put("general.name", name);
    m.put("general.alignment", 32L);
    m.put("general.file_type", fileType);
    m.put("llama.context_length", (long) c.maxPositionEmbeddings());
    m.put("llama.embedding_length", (long) c.hiddenSize());
    m.put("llama.block_count", (long) c.numLayers());
    m.put("llama.feed_forward_length", (long) c.intermediateSize());
    m.put("llama.rope.dimension_count", (long) c.headDim());
    m.put("llama.attention.head_count", (long) c.numHeads());
    m.put("llama.attention.head_count_kv", (long) c.numKvHeads());
    if (c.headDim() != c.hiddenSize() / c.numHeads()) {
      m.put("llama.attention.key_length", (long) c.headDim());
      m.put("llama.attention.value_length", (long) c.headDim());
    }
    m.put("llama.attention.layer_norm_rms_epsilon", (float) c.rmsNormEps());
    m.put("llama.rope.freq_base", (float) c.ropeTheta());
    m.put("tokenizer.ggml.model", "llama");
    m.put("tokenizer.ggml.tokens", v.pieces());
    List<Float> scores = new ArrayList<>(v.scores().length);
    for (float f : v.scores()) scores.add(f);
    m.put("tokenizer.ggml.scores", scores);
    List<Integer> types = new ArrayList<>(v.types().length);
    for (int t : v.types()) types.add(t);
    m.put("tokenizer.ggml.token_type", types);
    m.put("tokenizer.ggml.bos_token_id", (long) v.bosId());
    m.put("tokenizer.ggml.eos_token_id", (long) v.eosId());
    m.put("tokenizer.ggml.unknown_token_id", (long) v.unkId());
    if (v.padId() != null) m.put("tokenizer.ggml.padding_token_id", (long) v.padId());
    m.put("tokenizer.ggml.add_bos_token", v.addBos());
    m.put("tokenizer.ggml.add_eos_token", v.addEos());
    m.put("tokenizer.ggml.add_space_prefix", v.addSpacePrefix());
    if (v.chatTemplate() != null) m.put("tokenizer.chat_template", v.chatTemplate());
    return m;
  }

  /**
   * Writes a llama model as one GGUF file, each tensor in the format it is held in (FP32, F16, BF16, or its ggml blocks;
   * norms FP32), q/k rows in Meta's interleaved rotary order as llama.cpp stores them. Streams a tensor a row at a time.
   */
  public static void write(Configuration conf, String uri, LlamaWeights w, SpmTokenizerJson.Vocab vocab) {
    LlamaConfig c = w.config();
    Map<String, Gguf.TensorSpec> specs = tensorSpecs(c, Gguf.GgmlType.F32);
    List<Gguf.TensorSpec> typed = new ArrayList<>();
    Gguf.GgmlType embdType = null;
    for (Map.Entry<String, Gguf.TensorSpec> e : specs.entrySet()) {
      Gguf.GgmlType t = ggmlType(e.getKey(), w.stored(e.getKey()));
      if (embdType == null) embdType = t;
      typed.add(new Gguf.TensorSpec(e.getValue().name(), e.getValue().shape(), t));
    }
    long fileType = switch (embdType) { case F32 -> 0; case F16 -> 1; case Q8_0 -> 7; case BF16 -> 32; case Q4_0 -> 2; case Q4_K -> 15; case Q6_K -> 18; };
    try (Gguf.Writer out = Gguf.create(conf, uri, metadata(c, vocab, "nomoat", fileType), typed)) {
      for (Map.Entry<String, Gguf.TensorSpec> e : specs.entrySet()) {
        FrozenMatrix m = w.stored(e.getKey());
        String hf = e.getKey();
        int heads = hf.endsWith("q_proj.weight") ? c.numHeads() : hf.endsWith("k_proj.weight") ? c.numKvHeads() : 0;
        int rows = (int) m.rows(), hd = heads > 0 ? rows / heads : 0;
        byte[] row = new byte[m.storedRowBytes()];
        for (int g = 0; g < rows; g++) {
          // file row g = h*hd + 2i + j holds HF row h*hd + j*hd/2 + i
          int r = heads == 0 ? g : g / hd * hd + (g % hd % 2) * (hd / 2) + g % hd / 2;
          m.storedRows(r, r + 1, row, 0);
          out.write(e.getValue().name(), row, 0, row.length);
        }
      }
    }
  }

  private static Gguf.GgmlType ggmlType(String hf, FrozenMatrix m) {
    return switch (m.format()) {
      case "float32" -> Gguf.GgmlType.F32;
      case "float16" -> Gguf.GgmlType.F16;
      case "bfloat16" -> Gguf.GgmlType.BF16;
      case "q8_0" -> Gguf.GgmlType.Q8_0;
      case "q4_0" -> Gguf.GgmlType.Q4_0;
      case "q4_k" -> Gguf.GgmlType.Q4_K;
      case "q6_k" -> Gguf.GgmlType.Q6_K;
      default -> throw new IllegalArgumentException("tensor " + hf + " is held as " + m.format() + ", which GGUF files do not store");
    };
  }
}
