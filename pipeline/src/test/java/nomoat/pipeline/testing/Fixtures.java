package nomoat.pipeline.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Where the shared test data lives (../shared/fixtures beside the checkout; surefire passes the path). */
public final class Fixtures {
  private Fixtures() {}

  public static Path root() {
    String prop = System.getProperty("nomoat.fixtures");
    Path p = prop != null ? Paths.get(prop) : Paths.get("..", "..", "shared", "fixtures");
    p = p.toAbsolutePath().normalize();
    if (!Files.isDirectory(p)) throw new IllegalStateException("fixtures not found at " + p + " (set -Dnomoat.fixtures)");
    return p;
  }

  public static Path path(String relative) { return root().resolve(relative); }

  public static Path tokenizerDir(String name) { return path("tokenizers/" + name); }

  public static Path dataset(String file) { return path("datasets/" + file); }

  public static Path stories260K() { return path("models/stories260K/stories260K.gguf"); }
}
