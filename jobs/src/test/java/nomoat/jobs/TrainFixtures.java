package nomoat.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import nomoat.pipeline.config.ConfigLoader;
import nomoat.pipeline.data.ColorTask;
import nomoat.pipeline.format.LoadedModel;
import nomoat.pipeline.format.ModelLoader;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;

/**
 * Inputs for train tests: the real stories260K GGUF, its embedded tokenizer written out as a Hugging Face tokenizer
 * directory, and a generated Alpaca dataset prepared by the real prepare stage on local Spark (once per test JVM).
 */
final class TrainFixtures {
  static final String MODEL = Fixtures.stories260K().toString();

  private static Path root;
  private static String tokenizerDir;
  private static String prepared;

  private TrainFixtures() {}

  static synchronized Path root() throws IOException {
    if (root == null) root = Files.createTempDirectory("nomoat-train-test");
    return root;
  }

  /** stories260K's tokenizer as tokenizer.json + tokenizer_config.json. */
  static synchronized String tokenizerDir() throws IOException {
    if (tokenizerDir == null) {
      LoadedModel m = ModelLoader.load(new Configuration(), MODEL);
      Path dir = Files.createDirectories(root().resolve("stories260K-tokenizer"));
      Files.write(dir.resolve("tokenizer.json"), m.tokenizerJson());
      Files.write(dir.resolve("tokenizer_config.json"), m.tokenizerConfigJson());
      tokenizerDir = dir.toUri().toString();
    }
    return tokenizerDir;
  }

  /** Alpaca rows of the color task ({@link ColorTask}): "Tom has a red cat. What color is the cat?" → "The cat is red." */
  static Path colorDataset(Path file, long seed, int count) throws IOException {
    Files.write(file, ColorTask.alpacaJsonl(seed, count), StandardCharsets.UTF_8);
    return file;
  }

  /** A committed prepare output of 72 color rows (64 train in 2 shards, 8 validation). */
  static synchronized String prepared() throws IOException {
    if (prepared == null) prepared = prepare("prepared", tokenizerDir(), false);
    return prepared;
  }

  static String prepare(String name, String tokenizer, boolean packing) throws IOException {
    Path data = colorDataset(root().resolve(name + ".jsonl"), 7, 72);
    String out = root().resolve(name).toUri().toString();
    PrepareJob.run(LocalSpark.get(), ConfigLoader.load((Path) null, List.of("prepare.output=" + out, "prepare.tokenizer=" + tokenizer,
        "prepare.template=alpaca", "prepare.sources=[{name = colors, paths = [\"" + data.toUri() + "\"], file-format = jsonl}]",
        "prepare.max-length=256", "prepare.shards.train=2", "prepare.split.validation-count=8",
        "prepare.packing.enabled=" + packing, "prepare.packing.seq-len=512")), false);
    return out;
  }
}
