package nomoat.jobs;

import java.io.Serializable;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.io.Storage;
import org.apache.hadoop.conf.Configuration;

/** The bytes of a Hugging Face tokenizer directory, read once on the driver and broadcast to executors. */
record TokenizerFiles(String fileName, byte[] tokenizerJson, byte[] tokenizerConfigJson) implements Serializable {
  private static final long MAX_BYTES = 512L << 20;

  static TokenizerFiles read(Configuration conf, String dir) {
    String base = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
    if (base.endsWith("tokenizer.json")) base = base.substring(0, base.length() - "tokenizer.json".length() - 1);
    String json = base + "/tokenizer.json";
    if (!Storage.exists(conf, json)) {
      throw NomoatException.config("tokenizer directory " + dir + " has no tokenizer.json");
    }
    String cfg = base + "/tokenizer_config.json";
    byte[] cfgBytes = Storage.exists(conf, cfg) ? Storage.readAllBytes(conf, cfg, MAX_BYTES) : null;
    return new TokenizerFiles(json, Storage.readAllBytes(conf, json, MAX_BYTES), cfgBytes);
  }
}
