package nomoat.pipeline.data.template;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.Conversation;
import nomoat.pipeline.data.Message;
import nomoat.pipeline.data.RejectReason;
import nomoat.pipeline.data.Role;
import nomoat.pipeline.data.RowRejectedException;
import nomoat.pipeline.tokenize.HfTokenizer;

/**
 * The model's own chat_template from tokenizer_config.json, rendered as HF does. Each assistant turn is found
 * by rendering prefixes: {@code messages[:i]} with the generation prompt ends where turn i starts, and
 * {@code messages[:i+1]} ends where it stops, when both are prefixes of the full rendering. Templates that
 * render earlier turns differently (Qwen3 drops reasoning from them) fall back to locating the content
 * after the generation prompt, plus the EOS that closes it, or else to the first EOS after the generation prompt. Whitespace after the end-of-turn marker is prompt.
 */
final class JinjaChatTemplate implements ChatTemplate {
  // One jinjava per thread: a shared instance breaks under concurrent Spark tasks (see HfJinja).
  private static final ThreadLocal<HfJinja> JINJA = ThreadLocal.withInitial(HfJinja::new);

  private final com.hubspot.jinjava.tree.Node source;
  private final Map<String, Object> specialTokens;
  private final String bos;
  private final String eos;

  private JinjaChatTemplate(String source, HfTokenizer tokenizer) {
    this.source = JINJA.get().parse(JinjaSourceAdapter.adapt(source));
    this.bos = tokenizer.bosToken();
    this.eos = tokenizer.eosToken();
    Map<String, Object> tokens = new HashMap<>();
    tokens.put("bos_token", ChatTemplate.orEmpty(bos));
    tokens.put("eos_token", ChatTemplate.orEmpty(eos));
    if (tokenizer.padToken() != null) tokens.put("pad_token", tokenizer.padToken());
    if (tokenizer.unkToken() != null) tokens.put("unk_token", tokenizer.unkToken());
    this.specialTokens = Map.copyOf(tokens);
  }

  static JinjaChatTemplate of(HfTokenizer tokenizer) {
    if (tokenizer.chatTemplate() == null) {
      throw NomoatException.config("template 'tokenizer' needs a chat_template in tokenizer_config.json, and this tokenizer has none");
    }
    return new JinjaChatTemplate(tokenizer.chatTemplate(), tokenizer);
  }

  /** The text HF's apply_chat_template(messages, tokenize=False, add_generation_prompt=...) returns. */
  String apply(List<Message> messages, boolean addGenerationPrompt) {
    Map<String, Object> context = new HashMap<>(specialTokens);
    List<Map<String, Object>> list = new ArrayList<>(messages.size());
    for (Message m : messages) {
      Map<String, Object> map = new HashMap<>(4);
      map.put("role", m.role().name().toLowerCase(Locale.ROOT));
      map.put("content", m.content());
      list.add(map);
    }
    context.put("messages", list);
    context.put("add_generation_prompt", addGenerationPrompt);
    try {
      return JINJA.get().render(source, context);
    } catch (RuntimeException e) { // raise_exception, or jinjava failing on the template
      throw new RowRejectedException(RejectReason.TEMPLATE_ERROR, "chat_template failed: " + e.getMessage());
    }
  }

  @Override
  public List<Segment> render(Conversation conversation, String configuredSystem) {
    List<Message> messages = conversation.messages();
    if (configuredSystem != null && (messages.isEmpty() || messages.get(0).role() != Role.SYSTEM)) {
      messages = new ArrayList<>(messages);
      messages.add(0, new Message(Role.SYSTEM, configuredSystem));
    }
    String full = apply(messages, false);
    List<Segment> out = new ArrayList<>();
    int cursor = 0;
    for (int i = 0; i < messages.size(); i++) {
      if (messages.get(i).role() != Role.ASSISTANT) continue;
      int[] span = locate(messages, i, full, cursor);
      if (span[0] > cursor) out.add(Segment.prompt(full.substring(cursor, span[0])));
      out.add(Segment.assistant(full.substring(span[0], span[1]), i));
      cursor = span[1];
    }
    if (cursor < full.length()) out.add(Segment.prompt(full.substring(cursor)));
    return out;
  }

  /** [start, end) of assistant turn i in the full rendering. */
  private int[] locate(List<Message> messages, int i, String full, int cursor) {
    String before = apply(messages.subList(0, i), true);
    String through = i + 1 == messages.size() ? full : apply(messages.subList(0, i + 1), false);
    boolean startKnown = full.startsWith(before) && before.length() >= cursor;
    if (startKnown && through.startsWith(before) && full.startsWith(through)) {
      return new int[] {before.length(), trimEnd(full, before.length(), through.length())};
    }
    if (!startKnown) {
      // The template renders earlier turns differently once later ones exist (e.g. a system prompt moved into the
      // last user message): where the answer starts cannot be known, and guessing by string search can train the
      // user's words. Refuse the row instead.
      throw new RowRejectedException(RejectReason.TEMPLATE_ERROR,
          "chat_template is not prefix-stable at assistant turn " + i + " (earlier turns render differently); cannot place the loss mask");
    }
    String content = messages.get(i).content();
    int from = before.length();
    int at = full.indexOf(content, from);
    if (at < 0 && startKnown && eos != null && !eos.isEmpty()) {
      // The template rewrote the content (Qwen3 drops earlier reasoning): the turn runs to its EOS.
      int close = full.indexOf(eos, from);
      if (close >= 0) return new int[] {from, close + eos.length()};
    }
    if (at < 0) {
      throw new RowRejectedException(RejectReason.TEMPLATE_ERROR,
          "chat_template output does not contain assistant turn " + i + " (the template rewrites it); cannot mask it");
    }
    int end = at + content.length();
    if (eos != null && !eos.isEmpty() && full.startsWith(eos, end)) end += eos.length();
    return new int[] {startKnown ? from : at, end};
  }

  private static int trimEnd(String s, int start, int end) {
    while (end > start && Character.isWhitespace(s.charAt(end - 1))) end--;
    return end;
  }

  @Override
  public boolean writesBos(String rendered) { return bos != null && !bos.isEmpty() && rendered.startsWith(bos); }
}
