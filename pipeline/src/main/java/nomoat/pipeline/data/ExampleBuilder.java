package nomoat.pipeline.data;

import java.util.List;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.record.RecordFormat;
import nomoat.pipeline.data.template.ChatTemplate;
import nomoat.pipeline.data.template.Segment;
import nomoat.pipeline.tokenize.Encoded;
import nomoat.pipeline.tokenize.Hashing;
import nomoat.pipeline.tokenize.HfTokenizer;

/**
 * Row -> conversation -> template segments -> one tokenization with offsets -> labels. Thread-safe; build one
 * per tokenizer and reuse it.
 */
public final class ExampleBuilder {
  private final ExampleSettings settings;
  private final HfTokenizer tokenizer;
  private final RecordFormat format;
  private final ChatTemplate template;

  public ExampleBuilder(ExampleSettings settings, HfTokenizer tokenizer) {
    this.settings = settings;
    this.tokenizer = tokenizer;
    this.format = RecordFormat.of(settings);
    this.template = ChatTemplate.named(settings.template(), tokenizer);
  }

  /** Builds a training example, or says precisely why the row cannot be one. */
  public BuildResult build(SourceRow row) {
    return build(row, exampleId(row.source(), row.location()));
  }

  /** As {@link #build(SourceRow)}, with the example's id given (prepare derives it from a store-independent path). */
  public BuildResult build(SourceRow row, String exampleId) {
    try {
      Tokenized t = tokenize(read(row));
      int n = t.ids.length;
      boolean truncated = false;
      if (n > settings.maxLength()) {
        if (settings.dropOverLong()) {
          throw new RowRejectedException(RejectReason.TOO_LONG, "example has " + n + " tokens, more than maxLength " + settings.maxLength());
        }
        n = settings.maxLength();
        truncated = true;
      }
      int[] ids = n == t.ids.length ? t.ids : java.util.Arrays.copyOf(t.ids, n);
      int[] labels = new int[n];
      int trainedCount = 0;
      for (int i = 0; i < n; i++) {
        labels[i] = t.trained[i] ? ids[i] : TokenizedExample.IGNORE;
        if (t.trained[i]) trainedCount++;
      }
      if (trainedCount == 0) {
        throw new RowRejectedException(RejectReason.NO_TRAINED_TOKENS,
            truncated ? "no trained token is left after truncation to " + n + " tokens" : "no token is trained");
      }
      return new BuildResult.Built(new TokenizedExample(exampleId, row.source(), ids, labels, truncated));
    } catch (RowRejectedException e) {
      return new BuildResult.Rejected(new Rejection(row.source(), row.location(), e.reason(), e.detail(), row.raw()));
    }
  }

  /** The row as rendered and masked (no length limit applied); bad rows raise an input-data error. */
  public Rendered render(SourceRow row) {
    try {
      return rendered(tokenize(read(row)));
    } catch (RowRejectedException e) {
      throw NomoatException.inputData(row.location() + ": " + e.reason().code() + ": " + e.detail());
    }
  }

  /** A conversation as rendered and masked, for `inspect` on hand-written turns. */
  public Rendered render(List<Message> conversation) {
    try {
      Conversation c = Conversation.of(conversation);
      if (settings.format().hasTurns()) TurnOrder.check(c.messages(), "messages");
      return rendered(tokenize(c));
    } catch (RowRejectedException e) {
      throw NomoatException.inputData(e.reason().code() + ": " + e.detail());
    }
  }

  /** Stable id: first 16 hex chars of SHA-256(source + "\0" + location). */
  public static String exampleId(String source, String location) {
    return Hashing.sha256Hex(source + "\0" + location).substring(0, 16);
  }

  private Conversation read(SourceRow row) {
    Conversation c = format.read(row.fields());
    if (settings.format().hasTurns()) TurnOrder.check(c.messages(), listName());
    return c;
  }

  private String listName() {
    return switch (settings.format()) {
      case SHAREGPT -> settings.column("conversations");
      case MESSAGES -> settings.column("messages");
      case ALPACA, TEXT -> "row";
    };
  }

  private record Tokenized(String text, Encoded encoded, int[] ids, boolean[] trained, boolean bosAdded) {}

  private Tokenized tokenize(Conversation conversation) {
    List<Segment> segments = template.render(conversation, settings.systemPrompt());
    int lastAssistant = -1;
    for (Segment s : segments) if (s.kind() == Segment.Kind.ASSISTANT) lastAssistant = Math.max(lastAssistant, s.turn());
    StringBuilder text = new StringBuilder(256);
    int[] intervals = new int[2 * segments.size()];
    int count = 0;
    for (Segment s : segments) {
      int start = text.length();
      text.append(s.text());
      if (!isTrained(s, lastAssistant) || s.text().isEmpty()) continue;
      if (count > 0 && intervals[2 * count - 1] == start) intervals[2 * count - 1] = text.length(); // adjacent: merge
      else {
        intervals[2 * count] = start;
        intervals[2 * count + 1] = text.length();
        count++;
      }
    }
    String rendered = text.toString();
    Encoded encoded = tokenizer.encode(rendered, false);
    boolean[] trained = LossMask.of(encoded, intervals, count);
    // BOS as the tokenizer's post-processor would add it, unless the template wrote it already.
    boolean addBos = tokenizer.addBosToken() && tokenizer.bosId() >= 0 && !template.writesBos(rendered);
    if (!addBos) return new Tokenized(rendered, encoded, encoded.ids(), trained, false);
    int[] ids = new int[encoded.size() + 1];
    boolean[] withBos = new boolean[ids.length];
    ids[0] = tokenizer.bosId();
    System.arraycopy(encoded.ids(), 0, ids, 1, encoded.size());
    System.arraycopy(trained, 0, withBos, 1, trained.length);
    return new Tokenized(rendered, encoded, ids, withBos, true);
  }

  private boolean isTrained(Segment s, int lastAssistant) {
    return switch (s.kind()) {
      case TEXT -> true;
      case PROMPT -> settings.trainOnPrompt();
      case ASSISTANT -> settings.trainAllAssistantTurns() || s.turn() == lastAssistant;
    };
  }

  private Rendered rendered(Tokenized t) {
    Encoded e = t.encoded;
    if (!t.bosAdded) return new Rendered(t.text, t.ids, e.tokens(), t.trained, e.starts(), e.ends());
    int n = t.ids.length;
    String[] tokens = new String[n];
    int[] starts = new int[n];
    int[] ends = new int[n];
    tokens[0] = tokenizer.bosToken();
    starts[0] = -1;
    ends[0] = -1;
    System.arraycopy(e.tokens(), 0, tokens, 1, n - 1);
    System.arraycopy(e.starts(), 0, starts, 1, n - 1);
    System.arraycopy(e.ends(), 0, ends, 1, n - 1);
    return new Rendered(t.text, t.ids, tokens, t.trained, starts, ends);
  }
}
