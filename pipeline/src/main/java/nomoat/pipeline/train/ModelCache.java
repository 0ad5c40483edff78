package nomoat.pipeline.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.model.WeightStorage;
import nomoat.pipeline.format.LoadedModel;
import nomoat.pipeline.format.ModelLoader;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The frozen base model of this JVM, loaded once and kept across steps and tasks (a Spark executor trains many steps).
 * Keyed by the model's URI, the identity of its files (names, lengths, modification times) and what was merged into
 * it, so a model replaced on storage is loaded again. Holds one model: a new key replaces the old entry.
 */
public final class ModelCache {
  private ModelCache() {}

  /** A loaded model and what it was loaded as; {@code stacked}: frozen adapters kept active beside a trained one. */
  public record Entry(String key, LoadedModel loaded, LlamaModel model, List<LoraAdapter> stacked) {
    public Entry(String key, LoadedModel loaded, LlamaModel model) { this(key, loaded, model, List.of()); }
  }

  private static Entry entry;

  /** The base model at {@code uri} as is, its weights kept as stored. */
  public static LlamaModel get(Configuration conf, String uri) {
    return get(conf, uri, WeightStorage.STORED);
  }

  /** The base model at {@code uri} as is, its weights kept as {@code storage} says. */
  public static LlamaModel get(Configuration conf, String uri, WeightStorage storage) {
    return entry(conf, uri, storage, "", loaded -> new LlamaModel(loaded.weights())).model();
  }

  /** The base model at {@code uri}, run with {@code options} (the engine settings change speed, not results). */
  public static LlamaModel get(Configuration conf, String uri, nomoat.pipeline.model.EngineOptions options) {
    return get(conf, uri, WeightStorage.STORED, options);
  }

  /** As above, its weights kept as {@code storage} says. */
  public static LlamaModel get(Configuration conf, String uri, WeightStorage storage, nomoat.pipeline.model.EngineOptions options) {
    LlamaModel m = get(conf, uri, storage);
    return m.options().equals(options) ? m : m.withOptions(options);
  }

  /** {@link #entry(Configuration, String, WeightStorage, String, Function)} with the weights kept as stored. */
  public static Entry entry(Configuration conf, String uri, String variant, Function<LoadedModel, LlamaModel> transform) {
    return entry(conf, uri, WeightStorage.STORED, variant, transform);
  }

  /**
   * The model at {@code uri} after {@code transform} (e.g. merging adapters); {@code variant} names the transform in the
   * cache key (e.g. the merged adapters' identities).
   */
  public static synchronized Entry entry(Configuration conf, String uri, WeightStorage storage, String variant,
                                         Function<LoadedModel, LlamaModel> transform) {
    String key = uri + "|" + identity(conf, uri) + "|" + storage + "|" + variant;
    if (entry != null && entry.key().equals(key)) return entry;
    entry = null;                                        // let the old model go before loading the new one
    LoadedModel loaded = ModelLoader.load(conf, uri, storage);
    entry = new Entry(key, loaded, transform.apply(loaded));
    return entry;
  }

  /**
   * The model at {@code uri} with {@code adapters} applied ({@code merge} ones folded into the weights, {@code stack} ones
   * kept as frozen adapters in the entry), run with {@code options}.
   */
  public static Entry entry(Configuration conf, String uri, BaseAdapters adapters, nomoat.pipeline.model.EngineOptions options) {
    return entry(conf, uri, adapters, WeightStorage.STORED, options);
  }

  /** As above, the frozen weights kept as {@code storage} says (merged matrices become FP32). */
  public static Entry entry(Configuration conf, String uri, BaseAdapters adapters, WeightStorage storage,
                            nomoat.pipeline.model.EngineOptions options) {
    return entry(conf, uri, identity(conf, uri), adapters, adapters.cacheVariant(conf), storage, options);
  }

  /**
   * As above with the cache key's file identities given: {@code identity} of the model ({@link #identity}) and
   * {@code adaptersVariant} ({@link BaseAdapters#cacheVariant}), listed once by the train driver for the whole run rather
   * than by every task of every step (a status and a listing per call: NameNode round trips on HDFS, requests on S3).
   */
  public static Entry entry(Configuration conf, String uri, String identity, BaseAdapters adapters, String adaptersVariant,
                            WeightStorage storage, nomoat.pipeline.model.EngineOptions options) {
    Entry e;
    synchronized (ModelCache.class) {
      String key = uri + "|" + identity + "|" + storage + "|" + adaptersVariant;
      if (entry == null || !entry.key().equals(key)) {
        entry = null;
        LoadedModel loaded = ModelLoader.load(conf, uri, storage);
        BaseAdapters.Applied applied = adapters.apply(conf, loaded);
        entry = new Entry(key, loaded, applied.model(), applied.stacked());
      }
      e = entry;
    }
    return options == null || e.model().options().equals(options) ? e : new Entry(e.key(), e.loaded(), e.model().withOptions(options), e.stacked());
  }

  /** Names, lengths and modification times of a file, or of a directory's files. */
  public static String identity(Configuration conf, String uri) {
    Path p = new Path(uri);
    try {
      FileSystem fs = Storage.fileSystem(conf, p);
      FileStatus st = fs.getFileStatus(p);
      List<String> parts = new ArrayList<>();
      FileStatus[] files = st.isDirectory() ? fs.listStatus(p) : new FileStatus[] {st};
      Arrays.sort(files, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
      for (FileStatus f : files)
        if (f.isFile()) parts.add(f.getPath().getName() + ":" + f.getLen() + ":" + f.getModificationTime());
      return String.join(",", parts);
    } catch (IOException e) {
      throw NomoatException.io("cannot read " + uri + ": " + e.getMessage(), e);
    }
  }
}
