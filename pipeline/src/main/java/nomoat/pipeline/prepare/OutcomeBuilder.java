package nomoat.pipeline.prepare;

import java.util.List;
import nomoat.pipeline.data.BuildResult;
import nomoat.pipeline.data.ExampleBuilder;
import nomoat.pipeline.data.ExampleSettings;
import nomoat.pipeline.data.SourceRow;
import nomoat.pipeline.source.ReadResult;
import nomoat.pipeline.tokenize.HfTokenizer;

/**
 * Turns rows as read into examples or rejections, each with its source's settings. Not thread-safe: one per task
 * (the example builders it makes, one per source as rows arrive, keep per-row scratch state).
 */
public final class OutcomeBuilder {
  private final List<ExampleSettings> settings;
  private final HfTokenizer tokenizer;
  private final ExampleBuilder[] builders;

  /** {@code settings}: one per source, indexed like prepare.sources ({@link BuildSettings#forSource}). */
  public OutcomeBuilder(List<ExampleSettings> settings, HfTokenizer tokenizer) {
    this.settings = List.copyOf(settings);
    this.tokenizer = tokenizer;
    this.builders = new ExampleBuilder[settings.size()];
  }

  public Outcome build(ReadRow r) {
    if (r.result() instanceof ReadResult.Bad bad) return Outcome.of(bad.rejection(), r.file());
    SourceRow row = ((ReadResult.Row) r.result()).row();
    ExampleBuilder builder = builders[r.source()];
    if (builder == null) builder = builders[r.source()] = new ExampleBuilder(settings.get(r.source()), tokenizer);
    BuildResult built = builder.build(row, r.exampleId());
    return built instanceof BuildResult.Built b ? Outcome.of(b.example(), r.file()) : Outcome.of(((BuildResult.Rejected) built).rejection(), r.file());
  }
}
