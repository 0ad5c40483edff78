package nomoat.pipeline.config;

import com.typesafe.config.Config;
import nomoat.pipeline.data.template.TemplateName;

/**
 * How the generate stage decodes. temperature 0 = greedy.
 *
 * @param template     prompt template (prepare's unless set); raw feeds the prompt text as it is, after BOS
 * @param systemPrompt system prompt for the template (null = the template's default)
 */
public record GenerateSettings(TemplateName template, String systemPrompt, int maxNewTokens, double temperature, int topK, double topP,
                               long seed) {

  static GenerateSettings from(Config c) {
    TemplateName template = TemplateName.parse(c.getIsNull("generate.template")
        ? Checks.oneOf(c, "prepare.template", PrepareSettings.TEMPLATES) : Checks.oneOf(c, "generate.template", PrepareSettings.TEMPLATES));
    long max = Checks.integral(c, "generate.max-new-tokens");
    Checks.require(max > 0 && max <= 1_000_000, c, "generate.max-new-tokens", "must be in 1..1000000");
    double temperature = c.getDouble("generate.temperature");
    Checks.require(temperature >= 0, c, "generate.temperature", "must be >= 0 (0 = greedy)");
    long topK = Checks.integral(c, "generate.top-k");
    Checks.require(topK >= 0, c, "generate.top-k", "must be >= 0 (0 = off)");
    double topP = c.getDouble("generate.top-p");
    Checks.require(topP > 0 && topP <= 1, c, "generate.top-p", "must be in (0, 1] (1 = off)");
    return new GenerateSettings(template, c.getIsNull("generate.system-prompt") ? Checks.nullableString(c, "prepare.system-prompt")
        : c.getString("generate.system-prompt"), (int) max, temperature, (int) topK, topP,
        Checks.integral(c, "generate.seed"));
  }
}
