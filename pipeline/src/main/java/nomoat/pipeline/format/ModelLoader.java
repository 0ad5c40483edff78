package nomoat.pipeline.format;

import java.io.IOException;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.model.WeightStorage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;

/** Loads a base model from any Hadoop file system: a Hugging Face model directory or a GGUF file. */
public final class ModelLoader {
  private ModelLoader() {}

  /** With every weight FP32 (as the engine ran before narrow storage; export and tests). */
  public static LoadedModel load(Configuration conf, String uri) {
    return load(conf, uri, WeightStorage.FLOAT32);
  }

  /** With the frozen matrices kept as storage says ({@code model.weights-dtype}). */
  public static LoadedModel load(Configuration conf, String uri, WeightStorage storage) {
    Path p = new Path(uri);
    if (!Storage.exists(conf, p)) throw NomoatException.inputData("model not found: " + uri);
    if (Storage.isDirectory(conf, p)) {
      if (!Storage.exists(conf, new Path(p, "config.json")))
        throw NomoatException.inputData("model directory " + uri + " has no config.json; expected a Hugging Face checkpoint "
            + "(config.json + model.safetensors or shards + tokenizer.json) or a .gguf file");
      return HfCheckpoint.load(conf, uri, storage);
    }
    if (startsWithGgufMagic(conf, p)) return GgufLlama.load(conf, uri, storage);
    throw NomoatException.inputData("model " + uri + " is neither a Hugging Face model directory nor a GGUF file");
  }

  /**
   * The model at {@code uri} without its weights (what a Spark driver needs for its checks): config, tokenizer files, and
   * every tensor's name and shape checked from the headers. Reads no tensor data (a GGUF file's embedding is compared with
   * its output matrix to detect tied embeddings).
   */
  public static ModelHeader header(Configuration conf, String uri) {
    Path p = new Path(uri);
    if (!Storage.exists(conf, p)) throw NomoatException.inputData("model not found: " + uri);
    if (Storage.isDirectory(conf, p)) {
      if (!Storage.exists(conf, new Path(p, "config.json")))
        throw NomoatException.inputData("model directory " + uri + " has no config.json; expected a Hugging Face checkpoint "
            + "(config.json + model.safetensors or shards + tokenizer.json) or a .gguf file");
      return HfCheckpoint.header(conf, uri);
    }
    if (startsWithGgufMagic(conf, p)) return GgufLlama.header(conf, uri);
    throw NomoatException.inputData("model " + uri + " is neither a Hugging Face model directory nor a GGUF file");
  }

  /**
   * Only the model's shape, without reading its weights: a Hugging Face directory's (or a bare) {@code config.json},
   * or a GGUF file's header (metadata and tensor table).
   */
  public static nomoat.pipeline.model.LlamaConfig readConfig(Configuration conf, String uri) {
    Path p = new Path(uri);
    if (!Storage.exists(conf, p)) throw NomoatException.inputData("model not found: " + uri);
    if (Storage.isDirectory(conf, p)) return HfCheckpoint.readConfig(conf, uri);
    if (startsWithGgufMagic(conf, p)) return GgufLlama.readConfig(conf, uri);
    if (p.getName().endsWith(".json")) return HfCheckpoint.parseConfig(uri, Storage.readAll(conf, p, 1 << 20));
    throw NomoatException.inputData("model " + uri + " is neither a Hugging Face model directory (or config.json) nor a GGUF file");
  }

  private static boolean startsWithGgufMagic(Configuration conf, Path p) {
    if (Storage.length(conf, p) < 4) return false;
    byte[] magic = new byte[4];
    try (FSDataInputStream in = Storage.open(conf, p)) {
      in.readFully(0, magic);
    } catch (IOException e) {
      throw NomoatException.io("cannot read " + p + ": " + e.getMessage(), e);
    }
    return magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
  }
}
