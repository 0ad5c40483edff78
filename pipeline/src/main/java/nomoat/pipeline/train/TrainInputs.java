package nomoat.pipeline.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.LoraSettings;
import nomoat.pipeline.config.TrainSettings;
import nomoat.pipeline.io.CommittedOutput;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.format.LoadedModel;
import nomoat.pipeline.format.ModelHeader;
import nomoat.pipeline.shard.DatasetStats;
import nomoat.pipeline.shard.Manifest;
import nomoat.pipeline.shard.PreparedLayout;
import nomoat.pipeline.tokenize.Hashing;
import nomoat.pipeline.tokenize.HfTokenizer;
import org.apache.hadoop.conf.Configuration;

/**
 * The train stage's inputs, checked before any Spark job: a committed prepare output with a manifest this nomoat reads,
 * shards tokenized with the model's tokenizer, LoRA layers the model has, and a global batch the data can fill.
 * Each refusal is one {@link NomoatException}: exit 3 for configuration, 4 for data.
 */
public record TrainInputs(String dataUri, Manifest manifest, String manifestSha256, List<String> trainShards, List<Long> trainRows,
                          List<String> validationShards, List<Long> validationRows, List<String> warnings) {

  /** The prepared data: committed, readable manifest. */
  public static TrainInputs openData(Configuration conf, String dataUri) {
    return openData(conf, dataUri, "train.data");
  }

  /** As above, naming the config {@code key} the data came from (e.g. evaluate.data) in refusals. */
  public static TrainInputs openData(Configuration conf, String dataUri, String key) {
    if (!Storage.exists(conf, dataUri))
      throw NomoatException.inputData(key + " " + dataUri + " does not exist");
    if (CommittedOutput.readSuccess(conf, dataUri) == null)
      throw NomoatException.inputData(key + " " + dataUri + " has no _SUCCESS: it is not a committed prepare output "
          + "(a prepare run still going, failed or killed); run prepare to completion first");
    String manifestUri = PreparedLayout.resolve(dataUri, PreparedLayout.MANIFEST);
    if (!Storage.exists(conf, manifestUri))
      throw NomoatException.inputData(key + " " + dataUri + " has _SUCCESS but no " + PreparedLayout.MANIFEST + ": not a prepare output");
    Manifest m = Manifest.read(conf, manifestUri);
    if (m.schemaVersion() != Manifest.SCHEMA_VERSION)
      throw NomoatException.inputData(manifestUri + " has manifest schema_version " + m.schemaVersion() + "; this nomoat reads "
          + Manifest.SCHEMA_VERSION);
    List<String> train = new ArrayList<>(), val = new ArrayList<>();
    List<Long> trainRows = new ArrayList<>(), valRows = new ArrayList<>();
    for (Manifest.ShardFile f : m.shards().getOrDefault(DatasetStats.TRAIN, List.of())) {
      train.add(PreparedLayout.resolve(dataUri, f.path()));
      trainRows.add(f.rows());
    }
    for (Manifest.ShardFile f : m.shards().getOrDefault(DatasetStats.VALIDATION, List.of())) {
      val.add(PreparedLayout.resolve(dataUri, f.path()));
      valRows.add(f.rows());
    }
    if (trainRows.stream().mapToLong(Long::longValue).sum() == 0)
      throw NomoatException.inputData(manifestUri + " lists no training rows");
    return new TrainInputs(dataUri, m, Storage.sha256(conf, manifestUri), List.copyOf(train), List.copyOf(trainRows),
        List.copyOf(val), List.copyOf(valRows), new ArrayList<>());
  }

  public long trainRowCount() { return trainRows.stream().mapToLong(Long::longValue).sum(); }

  public long validationRowCount() { return validationRows.stream().mapToLong(Long::longValue).sum(); }

  /**
   * Refuses shards tokenized with another tokenizer than the model's. Equal tokenizer.json hashes pass; otherwise the
   * prepare run's tokenizer (from the manifest's config) is read and must have the model's vocabulary size and special
   * token ids (then a warning is recorded: same vocabulary, different file).
   */
  public void checkTokenizer(Configuration conf, LoadedModel model, String modelUri) {
    checkTokenizer(conf, model, modelUri, "train.data");
  }

  /** As above, naming the config {@code key} the data came from in the refusal. */
  public void checkTokenizer(Configuration conf, LoadedModel model, String modelUri, String key) {
    checkTokenizer(conf, new ModelHeader(model.config(), model.tokenizerJson(), model.tokenizerConfigJson()), modelUri, key);
  }

  /** As above, from the model's header (the driver reads no weights). */
  public void checkTokenizer(Configuration conf, ModelHeader model, String modelUri) {
    checkTokenizer(conf, model, modelUri, "train.data");
  }

  /** As above, from the model's header, naming the config {@code key} the data came from. */
  public void checkTokenizer(Configuration conf, ModelHeader model, String modelUri, String key) {
    String modelSha = Hashing.sha256Hex(model.tokenizerJson());
    String dataSha = manifest.tokenizer().sha256();
    if (modelSha.equals(dataSha)) return;
    Object dir = manifest.config() == null ? null : manifest.config().get("tokenizer");
    String prefix = key + " " + dataUri + " was tokenized with a different tokenizer than model.path " + modelUri
        + " (tokenizer.json sha256 " + abbrev(dataSha) + " vs the model's " + abbrev(modelSha) + ")";
    HfTokenizer theirs = dir == null ? null : readTokenizer(conf, dir.toString());
    if (theirs == null)
      throw NomoatException.inputData(prefix + ", and the prepare tokenizer " + dir + " cannot be read to compare vocabularies; "
          + "prepare the data with the model's tokenizer");
    HfTokenizer mine = HfTokenizer.fromBytes(model.tokenizerJson(), model.tokenizerConfigJson());
    List<String> diffs = new ArrayList<>();
    if (theirs.vocabSize() != model.config().vocabSize())
      diffs.add("vocabulary size " + theirs.vocabSize() + " vs the model's " + model.config().vocabSize());
    compare(diffs, "bos", theirs.bosToken(), theirs.bosToken() == null ? -1 : theirs.bosId(), mine.bosToken(), mine.bosToken() == null ? -1 : mine.bosId());
    compare(diffs, "eos", theirs.eosToken(), theirs.eosToken() == null ? -1 : theirs.eosId(), mine.eosToken(), mine.eosToken() == null ? -1 : mine.eosId());
    if (!diffs.isEmpty()) throw NomoatException.inputData(prefix + ": " + String.join(", ", diffs));
    warnings.add(prefix + "; same vocabulary size and special token ids, so training goes ahead");
  }

  private static void compare(List<String> diffs, String what, String theirTok, int theirId, String myTok, int myId) {
    if (theirId != myId || !Objects.equals(theirTok, myTok))
      diffs.add(what + " token " + theirTok + " (id " + theirId + ") vs the model's " + myTok + " (id " + myId + ")");
  }

  private static HfTokenizer readTokenizer(Configuration conf, String dir) {
    try {
      String base = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
      if (base.endsWith("/tokenizer.json")) base = base.substring(0, base.length() - "/tokenizer.json".length());
      String json = base + "/tokenizer.json", cfg = base + "/tokenizer_config.json";
      if (!Storage.exists(conf, json)) return null;
      return HfTokenizer.fromBytes(Storage.readAllBytes(conf, json, 512L << 20),
          Storage.exists(conf, cfg) ? Storage.readAllBytes(conf, cfg, 512L << 20) : null);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String abbrev(String sha) { return sha == null ? "none" : sha.substring(0, Math.min(12, sha.length())); }

  /** Refuses LoRA layers the model lacks and a LoRA that adapts nothing. */
  public static LoraSpec checkLora(LoraSettings lora, LlamaConfig model) {
    lora.checkAgainst(model.numLayers());
    LoraSpec spec = lora.spec();
    boolean any = false;
    for (int l = 0; l < model.numLayers() && !any; l++) for (String m : LoraSpec.ALL_MODULES) any |= spec.adapts(l, m);
    if (!any) throw NomoatException.config("lora.targets " + lora.targets() + " with lora.layers " + lora.layers() + " adapt no module of the model");
    return spec;
  }

  /** Refuses a global batch larger than the training split (no whole step could run). */
  public void checkBatch(TrainSettings t, int workers) {
    long global = t.globalBatch(workers);
    if (global > trainRowCount())
      throw NomoatException.config("train.workers x train.micro-batch x train.grad-accum = " + workers + " x " + t.microBatch() + " x "
          + t.gradAccum() + " = " + global + " rows per step, but train.data has only " + trainRowCount() + " training rows; "
          + "lower one of them");
  }

  /** The run's total optimiser steps. */
  public long totalSteps(TrainSettings t, int workers) {
    long perEpoch = DataPlan.stepsPerEpoch(trainRowCount(), t.microBatch(), workers, t.gradAccum());
    return t.maxSteps() > 0 ? t.maxSteps() : perEpoch * t.epochs();
  }

  public Map<String, Object> describe() {
    return Map.of("uri", dataUri, "manifest_sha256", manifestSha256, "tokenizer_sha256", manifest.tokenizer().sha256(),
        "train_rows", trainRowCount(), "validation_rows", validationRowCount());
  }
}
