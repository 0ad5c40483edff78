package nomoat.pipeline.prepare;

import nomoat.pipeline.config.PrepareSettings;
import nomoat.pipeline.config.SourceSettings;
import nomoat.pipeline.data.ExampleSettings;
import nomoat.pipeline.data.template.TemplateName;

/** How one source's rows become examples: the prepare settings, applied to that source's record format. */
public final class BuildSettings {
  private BuildSettings() {}

  /** Plain-text records have no turns to template: they are always built with the raw template. */
  public static ExampleSettings forSource(PrepareSettings p, SourceSettings s) {
    TemplateName template = s.recordFormat().hasTurns() ? p.template() : TemplateName.RAW;
    return new ExampleSettings(s.recordFormat(), s.columns(), template, p.systemPrompt(), p.trainOnPrompt(),
        p.trainAllAssistantTurns(), p.maxLength(), p.dropOverLong());
  }
}
