package nomoat.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import nomoat.pipeline.JsonErrors;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.NomoatConfig;
import nomoat.pipeline.config.PrepareSettings;
import nomoat.pipeline.format.TokenizerFiles;
import nomoat.pipeline.tokenize.HfTokenizer;
import nomoat.pipeline.tokenize.TokenizableText;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Shows examples exactly as prepare would build them, trained tokens marked, so a template or masking mistake is
 * found before paying for training. Runs without Spark: it reads only the first rows of each source.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = {"Render dataset rows (or raw text) the way prepare would, with trained tokens marked.",
        "Trained text is coloured on a terminal and wrapped in [[...]] otherwise; --json prints one object per example."})
final class InspectCommand implements Callable<Integer> {
  @Mixin StageOptions options;

  @ArgGroup(exclusive = true)
  Input input = new Input();

  static final class Input {
    @Option(names = "--rows", paramLabel = "N", description = "First N rows of each source (default 3).")
    Integer rows;
    @Option(names = "--text", paramLabel = "TEXT", description = "Tokenize this text (repeatable).")
    List<String> texts;
    @Option(names = "--texts-file", paramLabel = "FILE", description = "A JSON list of strings to tokenize.")
    Path textsFile;
  }

  @Option(names = "--json", description = "Machine-readable output: one JSON object per line.")
  boolean json;

  @Option(names = "--source", paramLabel = "NAME", description = "Only this source (default: all).")
  String source;

  @Option(names = "--color", negatable = true, description = "Colour trained tokens (default: when stdout is a terminal).")
  Boolean color;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    NomoatConfig config = options.load();
    PrepareSettings p = config.prepare();
    List<String> fileTexts = input.textsFile != null ? readTexts(input.textsFile) : null; // checked before any tokenizer work
    if (input.texts != null) {
      for (int i = 0; i < input.texts.size(); i++) {
        String problem = TokenizableText.problem(input.texts.get(i));
        if (problem != null) throw NomoatException.inputData("--text #" + (i + 1) + " " + problem);
      }
    }
    p.requireTokenizer();
    Configuration hadoop = HadoopConf.from(config.spark());
    TokenizerFiles files = TokenizerFiles.read(hadoop, p.tokenizer());
    HfTokenizer tokenizer = HfTokenizer.cached(files.tokenizerJson(), files.tokenizerConfigJson());
    Inspector inspector = new Inspector(spec.commandLine().getOut(), json, color != null ? color : System.console() != null);
    if (input.texts != null) {
      inspector.texts(tokenizer, input.texts);
    } else if (input.textsFile != null) {
      inspector.texts(tokenizer, fileTexts);
    } else {
      int rows = input.rows != null ? input.rows : 3;
      if (rows <= 0) throw new NomoatException(NomoatException.ExitCode.USAGE, "--rows must be positive");
      inspector.rows(hadoop, p, tokenizer, rows, source);
    }
    return 0;
  }

  /** The file's strings; anything else (a missing file, bad JSON, a non-string or untokenizable element) is one line naming it. */
  static List<String> readTexts(Path file) {
    if (!Files.exists(file)) throw NomoatException.inputData("--texts-file " + file + " not found");
    JsonNode tree;
    try {
      tree = new ObjectMapper().readTree(Files.readAllBytes(file));
    } catch (JsonProcessingException e) {
      throw NomoatException.inputData("--texts-file " + file + " is not valid JSON: " + JsonErrors.oneLine(e));
    } catch (IOException e) {
      throw NomoatException.io("cannot read --texts-file " + file + ": " + e.getMessage(), e);
    }
    if (tree == null || !tree.isArray()) throw NomoatException.inputData("--texts-file " + file + " is not a JSON list of strings");
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < tree.size(); i++) {
      JsonNode e = tree.get(i);
      if (!e.isTextual()) {
        throw NomoatException.inputData("--texts-file " + file + ": element " + i + " is " + (e.isNull() ? "null" : e.getNodeType().name().toLowerCase()
            + " " + e) + ", not a string");
      }
      String problem = TokenizableText.problem(e.textValue());
      if (problem != null) throw NomoatException.inputData("--texts-file " + file + ": element " + i + " " + problem);
      texts.add(e.textValue());
    }
    return texts;
  }
}
