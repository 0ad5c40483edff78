package nomoat.pipeline.data.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.tree.Node;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;
import nomoat.pipeline.NomoatException;

/**
 * A jinjava environment that renders HF chat templates as transformers' apply_chat_template does
 * (jinja2 ImmutableSandboxedEnvironment with trim_blocks and lstrip_blocks, plus the globals
 * raise_exception and strftime_now and a Python-style tojson filter). NOT safe for concurrent first use: jinjava
 * fails with "Error rendering tag" when several threads render through one instance at once from a cold start
 * (ConcurrentBuildTest), so callers keep one instance per thread.
 */
final class HfJinja {
  private final Jinjava jinjava;

  HfJinja() {
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PyStringMethods());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    LegacyOverrides jinja2Semantics = LegacyOverrides.newBuilder()
        .withUseTrimmingForNotesAndExpressions(true) // honour {{- and -}}
        .withUseNaturalOperatorPrecedence(true)
        .withParseWhitespaceControlStrictly(true)
        .withKeepNullableLoopValues(true)
        .build();
    JinjavaConfig config = JinjavaConfig.newBuilder()
        .withTrimBlocks(true)
        .withLstripBlocks(true)
        .withElResolver(resolver)
        .withLegacyOverrides(jinja2Semantics)
        .withFailOnUnknownTokens(false)
        .build();
    jinjava = new Jinjava(config);
    jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", HfJinja.class, "raiseException", String.class));
    jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now", HfJinja.class, "strftimeNow", String.class));
    jinjava.getGlobalContext().registerFilter(new ToJson());
    jinjava.getGlobalContext().registerTag(new Generation());
  }

  /** Parses a template once; a syntax error is a configuration error. */
  Node parse(String adaptedTemplate) {
    JinjavaInterpreter interpreter = jinjava.newInterpreter();
    JinjavaInterpreter.pushCurrent(interpreter);
    try {
      Node root = interpreter.parse(adaptedTemplate);
      for (TemplateError e : interpreter.getErrors()) {
        if (e.getSeverity() == TemplateError.ErrorType.FATAL) throw NomoatException.config("chat_template does not parse: " + e.getMessage());
      }
      return root;
    } finally {
      JinjavaInterpreter.popCurrent();
    }
  }

  /** Renders a parsed template; an error (raise_exception, bad call) becomes TemplateFailure with its message. */
  String render(Node template, Map<String, Object> bindings) {
    JinjavaConfig config = jinjava.getGlobalConfig();
    Context context = new Context(jinjava.getGlobalContext(), bindings, config.getDisabled());
    JinjavaInterpreter interpreter = new JinjavaInterpreter(jinjava, context, config);
    RAISED.remove();
    JinjavaInterpreter.pushCurrent(interpreter);
    String output;
    try {
      output = interpreter.render(template);
    } finally {
      JinjavaInterpreter.popCurrent();
    }
    String raised = RAISED.get();
    RAISED.remove();
    if (raised != null) throw new TemplateFailure(raised);
    for (TemplateError e : interpreter.getErrors()) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) throw new TemplateFailure(e.getMessage());
    }
    return output;
  }

  /** Parses and renders: for templates used once. */
  String render(String adaptedTemplate, Map<String, Object> bindings) { return render(parse(adaptedTemplate), bindings); }

  // jinjava replaces a function's exception message with "Error invoking function", so keep it aside.
  private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

  /** HF's raise_exception(message): the template refuses the conversation. */
  public static String raiseException(String message) {
    RAISED.set(message);
    throw new TemplateFailure(message);
  }

  /** HF's strftime_now(format) (Llama 3.1 templates print today's date). */
  public static String strftimeNow(String format) {
    LocalDateTime now = LocalDateTime.now();
    return format.replace("%Y", String.format(java.util.Locale.ROOT, "%04d", now.getYear()))
        .replace("%m", String.format(java.util.Locale.ROOT, "%02d", now.getMonthValue()))
        .replace("%d", String.format(java.util.Locale.ROOT, "%02d", now.getDayOfMonth()))
        .replace("%b", now.format(MONTH_ABBREVIATION))
        .replace("%B", now.format(MONTH_NAME))
        .replace("%H", String.format(java.util.Locale.ROOT, "%02d", now.getHour()))
        .replace("%M", String.format(java.util.Locale.ROOT, "%02d", now.getMinute()));
  }

  // built once: strftime_now runs on every render of Llama 3.1-style templates
  private static final DateTimeFormatter MONTH_ABBREVIATION = DateTimeFormatter.ofPattern("MMM", java.util.Locale.ROOT);
  private static final DateTimeFormatter MONTH_NAME = DateTimeFormatter.ofPattern("MMMM", java.util.Locale.ROOT);

  /** A template raised or could not be rendered. */
  static final class TemplateFailure extends RuntimeException {
    TemplateFailure(String message) { super(message, null, false, false); }
  }

  /**
   * HF's {% generation %}...{% endgeneration %} marks assistant text for return_assistant_tokens_mask; it
   * renders its body unchanged (masks here come from prefix rendering, which needs no markers).
   */
  private static final class Generation implements com.hubspot.jinjava.lib.tag.Tag {
    @Override public String getName() { return "generation"; }
    @Override public String getEndTagName() { return "endgeneration"; }

    @Override
    public String interpret(com.hubspot.jinjava.tree.TagNode tagNode, JinjavaInterpreter interpreter) {
      StringBuilder out = new StringBuilder();
      for (Node child : tagNode.getChildren()) out.append(child.render(interpreter).getValue());
      return out.toString();
    }
  }

  /** tojson with Python's separators; the indent argument is not supported and ignored. */
  private static final class ToJson implements Filter {
    @Override public String getName() { return "tojson"; }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) { return PyJson.dumps(var); }
  }
}
