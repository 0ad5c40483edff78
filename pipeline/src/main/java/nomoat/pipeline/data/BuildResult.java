package nomoat.pipeline.data;

/** The outcome of building one row: a training example or a quarantined row. */
public sealed interface BuildResult permits BuildResult.Built, BuildResult.Rejected {

  record Built(TokenizedExample example) implements BuildResult {}

  record Rejected(Rejection rejection) implements BuildResult {}
}
