package nomoat.pipeline.format;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.io.Storage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

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

  /** The tokenizer of a directory (or of the directory of a tokenizer.json path); a config error when it has none. */
  public static TokenizerFiles read(Configuration conf, String dir) {
    TokenizerFiles files = find(conf, dir);
    if (files == null) throw NomoatException.config("tokenizer directory " + dir + " has no tokenizer.json");
    return files;
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
