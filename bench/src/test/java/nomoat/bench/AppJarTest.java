package nomoat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The app jar (jobs/target/nomoat-app.jar, what every Spark executor loads) carries only the runtime: none of this
 * module's classes, nothing under a {@code bench} package. The reactor packages jobs before this module's tests run
 * ({@code ./mvnw verify}); with {@code ./mvnw test} alone there is no jar and the test is skipped.
 */
class AppJarTest {
  @Test
  void appJarHasNoBenchmarkCode() throws Exception {
    Path jar = Path.of(System.getProperty("nomoat.appJar", "../jobs/target/nomoat-app.jar"));
    Assumptions.assumeTrue(Files.isRegularFile(jar), "no app jar at " + jar + " (run verify, not test)");
    try (JarFile j = new JarFile(jar.toFile())) {
      List<String> names = j.stream().map(e -> e.getName()).toList();
      assertTrue(names.contains("nomoat/jobs/Main.class"), "the app jar has the CLI: " + jar);
      assertTrue(names.contains("nomoat/pipeline/model/LlamaModel.class"), "the app jar has the engine: " + jar);
      List<String> bench = names.stream()
          .filter(n -> n.startsWith("nomoat/") && (n.contains("/bench/") || n.matches("nomoat/.*Bench[^/]*\\.class")))
          .toList();
      assertEquals(List.of(), bench, "benchmark code in " + jar);
    }
  }
}
