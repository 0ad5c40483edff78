package nomoat.pipeline.data.template;

import java.util.Arrays;
import java.util.List;
import nomoat.pipeline.NomoatException;

/**
 * The chat templates nomoat renders (config {@code prepare.template}, {@code generate.template}); {@link #code()} is
 * the name users write. Read once at the config boundary; the rest of the code switches on the constant.
 */
public enum TemplateName {
  ALPACA("alpaca"),
  VICUNA_V1_1("vicuna_v1.1"),
  LLAMA2("llama2"),
  LLAMA3("llama3"),
  CHATML("chatml"),
  /** The tokenizer's own Jinja chat template ({@code tokenizer_config.json}). */
  TOKENIZER("tokenizer"),
  /** No template: the text as it is (records in the {@code text} format), EOS appended for training. */
  RAW("raw");

  private final String code;

  TemplateName(String code) { this.code = code; }

  /** The name in config files, manifests and messages. */
  public String code() { return code; }

  /** Every code, in declaration order (what an error message lists). */
  public static List<String> codes() { return Arrays.stream(values()).map(TemplateName::code).toList(); }

  /** The template named {@code code} (exactly as written); a config error listing the known names otherwise. */
  public static TemplateName parse(String code) {
    for (TemplateName t : values()) if (t.code.equals(code)) return t;
    throw NomoatException.config("template '" + code + "' is not one of " + codes());
  }

  @Override
  public String toString() { return code; }
}
