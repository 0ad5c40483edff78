package nomoat.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.format.GgufLlama;
import nomoat.pipeline.format.SpmTokenizerJson;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.tokenize.HfTokenizer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The bytes of a Hugging Face tokenizer (a directory with tokenizer.json, that file itself, or a llama GGUF file whose
 * embedded vocabulary is rebuilt as tokenizer.json), read once on the driver, checked, and broadcast to executors.
 */
record TokenizerFiles(String fileName, byte[] tokenizerJson, byte[] tokenizerConfigJson) implements Serializable {
  private static final long MAX_BYTES = 512L << 20;

  static TokenizerFiles read(Configuration conf, String location) {
    FileStatus status = status(conf, location);
    if (status == null) throw NomoatException.config("prepare.tokenizer " + location + " does not exist (give a directory holding tokenizer.json, or a GGUF model)");
    TokenizerFiles files;
    if (status.isFile() && !location.endsWith("tokenizer.json")) {
      if (!isGguf(conf, location)) {
        throw NomoatException.config("prepare.tokenizer " + location + " is a file but neither tokenizer.json nor a GGUF model: "
            + "give the directory holding tokenizer.json (and tokenizer_config.json)");
      }
      SpmTokenizerJson.Files built = GgufLlama.tokenizer(conf, location);
      files = new TokenizerFiles(location, built.tokenizerJson(), built.tokenizerConfigJson());
    } else {
      String base = location.endsWith("/") ? location.substring(0, location.length() - 1) : location;
      if (base.endsWith("tokenizer.json")) base = base.substring(0, base.length() - "tokenizer.json".length() - 1);
      String json = base + "/tokenizer.json";
      if (!Storage.exists(conf, json)) throw NomoatException.config("tokenizer directory " + location + " has no tokenizer.json");
      String cfg = base + "/tokenizer_config.json";
      byte[] cfgBytes = Storage.exists(conf, cfg) ? Storage.readAllBytes(conf, cfg, MAX_BYTES) : null;
      files = new TokenizerFiles(json, Storage.readAllBytes(conf, json, MAX_BYTES), cfgBytes);
    }
    HfTokenizer.cached(files.fileName(), files.tokenizerJson(), files.tokenizerConfigJson()); // bad files fail here, naming the path
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
}
