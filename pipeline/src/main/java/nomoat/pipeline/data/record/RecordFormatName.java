package nomoat.pipeline.data.record;

import java.util.Arrays;
import java.util.List;
import nomoat.pipeline.NomoatException;

/**
 * How a dataset's columns hold a conversation (config {@code prepare.sources[].record-format}); {@link #code()} is the
 * name users write. Read once at the config boundary; {@link RecordFormat#of} switches on the constant.
 */
public enum RecordFormatName {
  /** instruction / input / output (+ system). */
  ALPACA("alpaca"),
  /** conversations: [{from, value}]. */
  SHAREGPT("sharegpt"),
  /** OpenAI messages: [{role, content}]. */
  MESSAGES("messages"),
  /** One text column, trained as it is (no turns, always the raw template). */
  TEXT("text");

  private final String code;

  RecordFormatName(String code) { this.code = code; }

  /** The name in config files and messages. */
  public String code() { return code; }

  /** Whether records are turns of a conversation (rendered by a chat template); {@link #TEXT} is plain text. */
  public boolean hasTurns() { return this != TEXT; }

  /** Every code, in declaration order (what an error message lists). */
  public static List<String> codes() { return Arrays.stream(values()).map(RecordFormatName::code).toList(); }

  /** The format named {@code code} (exactly as written); a config error listing the known names otherwise. */
  public static RecordFormatName parse(String code) {
    for (RecordFormatName f : values()) if (f.code.equals(code)) return f;
    throw NomoatException.config("record format '" + code + "' is not one of " + codes());
  }

  @Override
  public String toString() { return code; }
}
