package nomoat.pipeline.data;

import java.util.Map;
import java.util.Set;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.record.RecordFormatName;
import nomoat.pipeline.data.template.TemplateName;

/**
 * How rows become training examples.
 *
 * @param format                 how the columns hold a conversation
 * @param columns                logical -> column name; logical names: instruction, input, output, system,
 *                               conversations, from, value, messages, role, content, text; missing = same name
 * @param template               the chat template
 * @param systemPrompt           null = the template's default system prompt, if it has one
 * @param trainOnPrompt          false: only assistant tokens are trained
 * @param trainAllAssistantTurns false: only the last assistant turn is trained
 * @param maxLength              tokens
 * @param dropOverLong           true: reject as too_long; false: truncate (example flagged truncated)
 */
public record ExampleSettings(
    RecordFormatName format,
    Map<String, String> columns,
    TemplateName template,
    String systemPrompt,
    boolean trainOnPrompt,
    boolean trainAllAssistantTurns,
    int maxLength,
    boolean dropOverLong
) implements java.io.Serializable {

  public static final Set<String> LOGICAL_COLUMNS =
      Set.of("instruction", "input", "output", "system", "conversations", "from", "value", "messages", "role", "content", "text");

  public ExampleSettings {
    if (format == null) throw NomoatException.config("format is required: one of " + RecordFormatName.codes());
    if (template == null) throw NomoatException.config("template is required: one of " + TemplateName.codes());
    if (maxLength <= 0) throw NomoatException.config("maxLength must be positive, got " + maxLength);
    columns = columns == null ? Map.of() : Map.copyOf(columns);
    for (String logical : columns.keySet()) {
      if (!LOGICAL_COLUMNS.contains(logical)) {
        throw NomoatException.config("columns: unknown logical column '" + logical + "' (known: " + sorted(LOGICAL_COLUMNS) + ")");
      }
    }
  }

  /** Settings with the defaults: assistant-only loss on every assistant turn, drop over-long rows. */
  public static ExampleSettings of(RecordFormatName format, TemplateName template, int maxLength) {
    return new ExampleSettings(format, Map.of(), template, null, false, true, maxLength, true);
  }

  /** The dataset column holding a logical field. */
  public String column(String logical) { return columns.getOrDefault(logical, logical); }

  private static String sorted(java.util.Collection<String> names) { return new java.util.TreeSet<>(names).toString(); }
}
