package nomoat.pipeline.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a Hugging Face tokenizer.json + tokenizer_config.json from a SentencePiece BPE vocabulary (pieces,
 * scores, token types), as transformers' LlamaConverter does: BPE with byte_fallback, merges derived from
 * vocab + scores like SentencePieceExtractor, normalizer Prepend("▁") + Replace(" ", "▁"), decoder
 * Replace + ByteFallback + Fuse + Strip, TemplateProcessing adding BOS (and EOS if asked).
 */
public final class SpmTokenizerJson {
  private SpmTokenizerJson() {}

  /** SentencePiece / GGUF token types. */
  public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * A SentencePiece vocabulary: one piece, score and type per id. pad may be null. addSpacePrefix is
   * SentencePiece's add_dummy_prefix (a "▁" before the text; true for LLaMA).
   */
  public record Vocab(List<String> pieces, float[] scores, int[] types, int unkId, int bosId, int eosId, Integer padId,
                      boolean addBos, boolean addEos, boolean addSpacePrefix, int modelMaxLength, String chatTemplate) {}

  public record Files(byte[] tokenizerJson, byte[] tokenizerConfigJson) {}

  public static Files build(Vocab v) {
    int n = v.pieces().size();
    for (int id : new int[] {v.unkId(), v.bosId(), v.eosId()})
      if (id < 0 || id >= n) throw new IllegalArgumentException("special token id " + id + " is outside the " + n + "-token vocabulary");
    Map<String, Integer> ids = new HashMap<>();
    for (int i = 0; i < n; i++)
      if (ids.putIfAbsent(v.pieces().get(i), i) != null)
        throw new IllegalArgumentException("piece '" + v.pieces().get(i) + "' appears twice (ids " + ids.get(v.pieces().get(i)) + " and " + i + ")");
    List<String[]> merges = merges(v.pieces(), v.scores(), ids);
    try {
      return new Files(JSON.writeValueAsBytes(tokenizerJson(v, merges)), JSON.writeValueAsBytes(tokenizerConfig(v)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode tokenizer JSON", e);
    }
  }

  /**
   * SentencePieceExtractor: every split of every piece into two pieces that are both in the vocabulary is a
   * merge; a piece's splits are ordered by (left id, right id), then all merges by the merged piece's score,
   * highest first (stable). Splits are by code point, like Python string slicing.
   */
  static List<String[]> merges(List<String> pieces, float[] scores, Map<String, Integer> ids) {
    record Merge(String left, String right, float score) {}
    List<Merge> all = new ArrayList<>();
    for (int id = 0; id < pieces.size(); id++) {
      String piece = pieces.get(id);
      int[] cps = piece.codePoints().toArray();
      List<Merge> local = new ArrayList<>();
      for (int k = 1; k < cps.length; k++) {
        String l = new String(cps, 0, k), r = new String(cps, k, cps.length - k);
        if (ids.containsKey(l) && ids.containsKey(r)) local.add(new Merge(l, r, scores[id]));
      }
      local.sort(Comparator.<Merge>comparingInt(m -> ids.get(m.left())).thenComparingInt(m -> ids.get(m.right())));
      all.addAll(local);
    }
    all.sort((a, b) -> Float.compare(b.score(), a.score()));
    List<String[]> out = new ArrayList<>(all.size());
    for (Merge m : all) out.add(new String[] {m.left(), m.right()});
    return out;
  }

  private static ObjectNode tokenizerJson(Vocab v, List<String[]> merges) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int i = 0; i < v.pieces().size(); i++) {
      int t = v.types()[i];
      if (t != UNKNOWN && t != CONTROL && t != USER_DEFINED && i != v.unkId() && i != v.bosId() && i != v.eosId()) continue;
      ObjectNode a = added.addObject();
      a.put("id", i);
      a.put("content", v.pieces().get(i));
      a.put("single_word", false);
      a.put("lstrip", false);
      a.put("rstrip", false);
      a.put("normalized", false);
      a.put("special", t != USER_DEFINED);
    }
    ObjectNode norm = root.putObject("normalizer");
    norm.put("type", "Sequence");
    ArrayNode ns = norm.putArray("normalizers");
    if (v.addSpacePrefix()) ns.addObject().put("type", "Prepend").put("prepend", "\u2581");
    ObjectNode rep = ns.addObject().put("type", "Replace");
    rep.putObject("pattern").put("String", " ");
    rep.put("content", "\u2581");
    root.putNull("pre_tokenizer");
    root.set("post_processor", template(v));
    ObjectNode dec = root.putObject("decoder");
    dec.put("type", "Sequence");
    ArrayNode ds = dec.putArray("decoders");
    ObjectNode drep = ds.addObject().put("type", "Replace");
    drep.putObject("pattern").put("String", "\u2581");
    drep.put("content", " ");
    ds.addObject().put("type", "ByteFallback");
    ds.addObject().put("type", "Fuse");
    if (v.addSpacePrefix()) ds.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);

    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.put("unk_token", v.pieces().get(v.unkId()));
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", true);
    model.put("byte_fallback", true);
    ObjectNode vocab = model.putObject("vocab");
    for (int i = 0; i < v.pieces().size(); i++) vocab.put(v.pieces().get(i), i);
    // the legacy "left right" form cannot hold a piece with a space; use the pair form only when needed
    boolean pairs = merges.stream().anyMatch(m -> m[0].contains(" ") || m[1].contains(" "));
    ArrayNode ms = model.putArray("merges");
    for (String[] m : merges) {
      if (pairs) ms.addArray().add(m[0]).add(m[1]);
      else ms.add(m[0] + " " + m[1]);
    }
    return root;
  }

  /** HF LlamaTokenizerFast.update_post_processor: "<s>:0 $A:0 [</s>:0]" and the pair form. */
  private static ObjectNode template(Vocab v) {
    String bos = v.pieces().get(v.bosId()), eos = v.pieces().get(v.eosId());
    ObjectNode p = JSON.createObjectNode();
    p.put("type", "TemplateProcessing");
    ArrayNode single = p.putArray("single"), pair = p.putArray("pair");
    for (int seq = 0; seq < 2; seq++) {
      String id = seq == 0 ? "A" : "B";
      for (ArrayNode target : seq == 0 ? List.of(single, pair) : List.of(pair)) {
        if (v.addBos()) target.addObject().putObject("SpecialToken").put("id", bos).put("type_id", seq);
        target.addObject().putObject("Sequence").put("id", id).put("type_id", seq);
        if (v.addEos()) target.addObject().putObject("SpecialToken").put("id", eos).put("type_id", seq);
      }
    }
    ObjectNode specials = p.putObject("special_tokens");
    if (v.addBos()) special(specials, bos, v.bosId());
    if (v.addEos()) special(specials, eos, v.eosId());
    return p;
  }

  private static void special(ObjectNode specials, String token, int id) {
    ObjectNode s = specials.putObject(token);
    s.put("id", token);
    s.putArray("ids").add(id);
    s.putArray("tokens").add(token);
  }

  private static ObjectNode tokenizerConfig(Vocab v) {
    ObjectNode c = JSON.createObjectNode();
    if (!v.addSpacePrefix()) c.put("add_prefix_space", false);
    c.put("add_bos_token", v.addBos());
    c.put("add_eos_token", v.addEos());
    ObjectNode dec = c.putObject("added_tokens_decoder");
    for (int i = 0; i < v.pieces().size(); i++) {
      int t = v.types()[i];
      if (t != UNKNOWN && t != CONTROL && t != USER_DEFINED && i != v.unkId() && i != v.bosId() && i != v.eosId()) continue;
      ObjectNode a = dec.putObject(Integer.toString(i));
      a.put("content", v.pieces().get(i)).put("lstrip", false).put("normalized", false).put("rstrip", false)
          .put("single_word", false).put("special", t != USER_DEFINED);
    }
    c.put("bos_token", v.pieces().get(v.bosId()));
    if (v.chatTemplate() != null) c.put("chat_template", v.chatTemplate());
    c.put("clean_up_tokenization_spaces", false);
    c.put("eos_token", v.pieces().get(v.eosId()));
    c.put("legacy", true);
    c.put("model_max_length", v.modelMaxLength());
    if (v.padId() != null && v.padId() >= 0 && v.padId() < v.pieces().size()) c.put("pad_token", v.pieces().get(v.padId()));
    else c.putNull("pad_token");
    c.put("padding_side", "left");
    c.putObject("sp_model_kwargs");
    c.put("spaces_between_special_tokens", false);
    c.put("tokenizer_class", "LlamaTokenizer");
    c.put("unk_token", v.pieces().get(v.unkId()));
    c.put("use_default_system_prompt", false);
    return c;
  }
}
