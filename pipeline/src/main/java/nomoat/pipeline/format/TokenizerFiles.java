package nomoat.pipeline.format;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.io.Storage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import nomoat.pipeline.tokenize.HfTokenizer;

/**
 * The one reader of a Hugging Face tokenizer's files: the bytes of tokenizer.json and tokenizer_config.json (null
 * when absent), read once (on the driver) and shipped as they are (a broadcast, or inside a loaded model).
 *
 * @param fileName where tokenizer.json was read from
 */
public record TokenizerFiles(String fileName, byte[] tokenizerJson, byte[] tokenizerConfigJson) implements Serializable {
  public static final String TOKENIZER_JSON = "tokenizer.json";
  public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
  /** Tokenizer-side files carried along into an exported model when the source has them. */
  public static final List<String> ALL = List.of(TOKENIZER_JSON, TOKENIZER_CONFIG, "special_tokens_map.json", "generation_config.json");
  private static final long MAX_BYTES = 512L << 20;

  /**
   * The tokenizer at {@code location}: a directory holding tokenizer.json, that file itself, or a llama GGUF file whose
   * embedded vocabulary is rebuilt as tokenizer.json. Checked by loading it, so a bad file fails here, naming its path.
   */
  public static TokenizerFiles read(Configuration conf, String location) {
    FileStatus status = status(conf, location);
    if (status == null) throw NomoatException.config("prepare.tokenizer " + location + " does not exist (give a directory holding tokenizer.json, or a GGUF model)");
    TokenizerFiles files;
    if (status.isFile() && !location.endsWith(TOKENIZER_JSON)) {
      if (!isGguf(conf, location)) {
        throw NomoatException.config("prepare.tokenizer " + location + " is a file but neither tokenizer.json nor a GGUF model: "
            + "give the directory holding tokenizer.json (and tokenizer_config.json)");
      }
      SpmTokenizerJson.Files built = GgufLlama.tokenizer(conf, location);
      files = new TokenizerFiles(location, built.tokenizerJson(), built.tokenizerConfigJson());
    } else {
      files = find(conf, location);
      if (files == null) throw NomoatException.config("tokenizer directory " + location + " has no tokenizer.json");
    }
    HfTokenizer.cached(files.fileName(), files.tokenizerJson(), files.tokenizerConfigJson());
    return files;
  }

  private static FileStatus status(Configuration conf, String location) {
    Path p = new Path(location);
    try {
      FileSystem fs = Storage.fileSystem(conf, p);
      return fs.exists(p) ? fs.getFileStatus(p) : null;
    } catch (IOException | IllegalArgumentException e) {
      throw NomoatException.config("prepare.tokenizer " + location + " cannot be read: " + e.getMessage());
    }
  }

  private static boolean isGguf(Configuration conf, String location) {
    Path p = new Path(location);
    try (InputStream in = Storage.fileSystem(conf, p).open(p)) {
      return new String(in.readNBytes(4), StandardCharsets.ISO_8859_1).equals("GGUF");
    } catch (IOException e) {
      throw NomoatException.io("cannot read " + location + ": " + e.getMessage(), e);
    }
  }

  /** As {@link #read}, or null when there is no tokenizer.json. */
  public static TokenizerFiles find(Configuration conf, String dir) {
    String base = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
    if (base.endsWith(TOKENIZER_JSON)) base = base.substring(0, base.length() - TOKENIZER_JSON.length() - 1);
    Map<String, byte[]> files = present(conf, base, List.of(TOKENIZER_JSON, TOKENIZER_CONFIG));
    if (!files.containsKey(TOKENIZER_JSON)) return null;
    return new TokenizerFiles(base + "/" + TOKENIZER_JSON, files.get(TOKENIZER_JSON), files.get(TOKENIZER_CONFIG));
  }

  /** Every file of {@link #ALL} that dir has, by file name. */
  public static Map<String, byte[]> all(Configuration conf, String dir) {
    return present(conf, dir, ALL);
  }

  private static Map<String, byte[]> present(Configuration conf, String dir, List<String> names) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String name : names) {
      Path p = new Path(new Path(dir), name);
      if (Storage.exists(conf, p)) files.put(name, Storage.readAll(conf, p, MAX_BYTES));
    }
    return files;
  }
}
