package nomoat.pipeline.shard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.io.Storage;
import org.apache.hadoop.conf.Configuration;

/**
 * The one reader/writer of {@code manifest.json}, the description of a prepared dataset. Fields (JSON keys):
 *
 * <ul>
 *   <li>{@code schema_version} (int) — version of this file's layout, {@value #SCHEMA_VERSION}; a newer one is refused.</li>
 *   <li>{@code nomoat_version} (string) — the nomoat release that wrote it.</li>
 *   <li>{@code created} (string) — ISO-8601 UTC time the manifest was written.</li>
 *   <li>{@code tokenizer.file} (string) — file name of the tokenizer.json used; {@code tokenizer.sha256} — its
 *       SHA-256 (hex), so training can refuse a different tokenizer.</li>
 *   <li>{@code template} (string) — name of the prompt template used to render examples.</li>
 *   <li>{@code seq_len} (int) — maximum tokens per shard row; {@code packing} (bool) — whether examples were packed.</li>
 *   <li>{@code split.seed} (long) — seed of the train/validation split; {@code split.validation_fraction} (number
 *       or null) and {@code split.validation_count} (int or null) — the configured validation size.</li>
 *   <li>{@code shards.<split>} (list, split = train | validation) — one entry per Parquet file: {@code path}
 *       (relative to the output directory, e.g. {@code data/train/part-00000.parquet}), {@code rows},
 *       {@code tokens}, {@code trained_tokens}.</li>
 *   <li>{@code stats} — the {@link DatasetStats}:
 *     <ul>
 *       <li>{@code rows_read} — input rows read, by source name; {@code rows_read_by_file} — by input file URI, every
 *           matched file listed (0 for a file without rows; absent in manifests written before it existed);</li>
 *       <li>{@code examples.by_source}, {@code examples.by_split} — examples produced (before packing);</li>
 *       <li>{@code rows.by_split}, {@code rows.total} — shard rows written (packed rows when packing);</li>
 *       <li>{@code tokens.by_split}/{@code tokens.total} and {@code trained_tokens.by_split}/{@code trained_tokens.total}
 *           — tokens in shard rows, and those with a label (after packing masks each segment's first label);</li>
 *       <li>{@code truncated} — examples cut to the maximum length; {@code duplicates_removed} — examples dropped as duplicates;</li>
 *       <li>{@code rejected.total}, {@code rejected.by_reason} (reason code → count), {@code rejected.by_source}
 *           (source → reason code → count) — quarantined rows (details in {@code rejected/});</li>
 *       <li>{@code lengths} — example lengths in tokens: {@code count}, {@code p50}, {@code p90}, {@code p95},
 *           {@code p99}, {@code max} (nearest-rank), {@code histogram} (power-of-two buckets
 *           {@code {min, max_exclusive, count}}) and {@code exact} (length → count; the source of the others).</li>
 *     </ul></li>
 *   <li>{@code config} (object) — the effective configuration of the prepare run, as given.</li>
 * </ul>
 */
public record Manifest(
    int schemaVersion,
    String nomoatVersion,
    Instant created,
    Tokenizer tokenizer,
    String template,
    int seqLen,
    boolean packing,
    Split split,
    Map<String, List<ShardFile>> shards,
    DatasetStats stats,
    Map<String, Object> config) {

  public static final int SCHEMA_VERSION = 1;
  public static final String FILE_NAME = "manifest.json";
  private static final long MAX_BYTES = 64L << 20;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public record Tokenizer(String file, String sha256) {}

  /** @param validationFraction null when a count was configured; @param validationCount null when a fraction was */
  public record Split(long seed, Double validationFraction, Long validationCount) {}

  public record ShardFile(String path, long rows, long tokens, long trainedTokens) {}

  public void write(Configuration conf, String uri) {
    Storage.writeBytes(conf, uri, toJson());
  }

  public static Manifest read(Configuration conf, String uri) {
    return fromJson(Storage.readAllBytes(conf, uri, MAX_BYTES), uri);
  }

  public byte[] toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("schema_version", schemaVersion);
    root.put("nomoat_version", nomoatVersion);
    root.put("created", created.toString());
    root.putObject("tokenizer").put("file", tokenizer.file()).put("sha256", tokenizer.sha256());
    root.put("template", template);
    root.put("seq_len", seqLen);
    root.put("packing", packing);
    ObjectNode s = root.putObject("split");
    s.put("seed", split.seed());
    s.put("validation_fraction", split.validationFraction());
    s.put("validation_count", split.validationCount());
    ObjectNode sh = root.putObject("shards");
    for (Map.Entry<String, List<ShardFile>> e : new TreeMap<>(shards).entrySet()) {
      ArrayNode files = sh.putArray(e.getKey());
      for (ShardFile f : e.getValue()) {
        files.addObject().put("path", f.path()).put("rows", f.rows()).put("tokens", f.tokens()).put("trained_tokens", f.trainedTokens());
      }
    }
    root.set("stats", statsJson(stats));
    root.set("config", JSON.valueToTree(config));
    try {
      return JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the manifest's config holds a value JSON cannot hold: " + e.getMessage(), e);
    }
  }

  public static Manifest fromJson(byte[] bytes, String uri) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw NomoatException.inputData(uri + " is not valid JSON: " + e.getMessage(), e);
    }
    Fields f = new Fields(uri);
    int version = f.integer(root, "schema_version");
    if (version > SCHEMA_VERSION) {
      throw NomoatException.inputData(uri + " has manifest schema_version " + version + "; this nomoat reads up to "
          + SCHEMA_VERSION + " (written by a newer nomoat)");
    }
    JsonNode tok = f.object(root, "tokenizer");
    JsonNode split = f.object(root, "split");
    Map<String, List<ShardFile>> shards = new LinkedHashMap<>();
    JsonNode sh = f.object(root, "shards");
    for (Iterator<String> it = sh.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      List<ShardFile> files = new ArrayList<>();
      for (JsonNode n : sh.get(name)) {
        files.add(new ShardFile(f.text(n, "path"), f.number(n, "rows"), f.number(n, "tokens"), f.number(n, "trained_tokens")));
      }
      shards.put(name, files);
    }
    Instant created;
    try {
      created = Instant.parse(f.text(root, "created"));
    } catch (DateTimeParseException e) {
      throw NomoatException.inputData(uri + ": key 'created' is not an ISO-8601 time", e);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> config = JSON.convertValue(f.object(root, "config"), LinkedHashMap.class);
    return new Manifest(version, f.text(root, "nomoat_version"), created,
        new Tokenizer(f.text(tok, "file"), f.text(tok, "sha256")), f.text(root, "template"),
        f.integer(root, "seq_len"), f.bool(root, "packing"),
        new Split(f.number(split, "seed"), f.nullableDouble(split, "validation_fraction"), f.nullableLong(split, "validation_count")),
        shards, statsFrom(f.object(root, "stats"), f), config);
  }

  private static ObjectNode statsJson(DatasetStats st) {
    ObjectNode n = JSON.createObjectNode();
    n.set("rows_read", JSON.valueToTree(st.rowsReadBySource()));
    n.set("rows_read_by_file", JSON.valueToTree(st.rowsReadByFile()));
    ObjectNode ex = n.putObject("examples");
    ex.set("by_source", JSON.valueToTree(st.examplesBySource()));
    ex.set("by_split", JSON.valueToTree(st.examplesBySplit()));
    ObjectNode rows = n.putObject("rows");
    rows.set("by_split", JSON.valueToTree(st.rowsBySplit()));
    rows.put("total", st.shardRows());
    ObjectNode tokens = n.putObject("tokens");
    tokens.set("by_split", JSON.valueToTree(st.tokensBySplit()));
    tokens.put("total", st.tokens());
    ObjectNode trained = n.putObject("trained_tokens");
    trained.set("by_split", JSON.valueToTree(st.trainedTokensBySplit()));
    trained.put("total", st.trainedTokens());
    n.put("truncated", st.truncated());
    n.put("duplicates_removed", st.duplicatesRemoved());
    ObjectNode rej = n.putObject("rejected");
    rej.put("total", st.rejected());
    rej.set("by_reason", JSON.valueToTree(st.rejectedByReason()));
    rej.set("by_source", JSON.valueToTree(st.rejectedBySource()));
    ObjectNode len = n.putObject("lengths");
    len.put("count", st.examples());
    len.put("p50", st.lengthPercentile(50));
    len.put("p90", st.lengthPercentile(90));
    len.put("p95", st.lengthPercentile(95));
    len.put("p99", st.lengthPercentile(99));
    len.put("max", st.maxLength());
    ArrayNode hist = len.putArray("histogram");
    for (DatasetStats.Bucket b : st.coarseHistogram()) {
      hist.addObject().put("min", b.min()).put("max_exclusive", b.maxExclusive()).put("count", b.count());
    }
    ObjectNode exact = len.putObject("exact");
    st.lengthCounts().forEach((k, v) -> exact.put(Integer.toString(k), v));
    return n;
  }

  private static DatasetStats statsFrom(JsonNode n, Fields f) {
    DatasetStats st = new DatasetStats();
    f.counts(f.object(n, "rows_read"), st.rowsReadBySource);
    if (n.has("rows_read_by_file")) f.counts(f.object(n, "rows_read_by_file"), st.rowsReadByFile);
    f.counts(f.object(f.object(n, "examples"), "by_source"), st.examplesBySource);
    f.counts(f.object(f.object(n, "examples"), "by_split"), st.examplesBySplit);
    f.counts(f.object(f.object(n, "rows"), "by_split"), st.rowsBySplit);
    f.counts(f.object(f.object(n, "tokens"), "by_split"), st.tokensBySplit);
    f.counts(f.object(f.object(n, "trained_tokens"), "by_split"), st.trainedTokensBySplit);
    st.truncated = f.number(n, "truncated");
    st.duplicatesRemoved = f.number(n, "duplicates_removed");
    JsonNode rej = f.object(n, "rejected");
    f.counts(f.object(rej, "by_reason"), st.rejectedByReason);
    JsonNode bySource = f.object(rej, "by_source");
    for (Iterator<String> it = bySource.fieldNames(); it.hasNext(); ) {
      String src = it.next();
      f.counts(bySource.get(src), st.rejectedBySource.computeIfAbsent(src, k -> new TreeMap<>()));
    }
    TreeMap<String, Long> exact = new TreeMap<>();
    f.counts(f.object(f.object(n, "lengths"), "exact"), exact);
    exact.forEach((k, v) -> st.lengthCounts.put(Integer.parseInt(k), v));
    return st;
  }

  /** Typed access to JSON keys with one clear error naming the file and key. */
  private record Fields(String uri) {
    private JsonNode get(JsonNode n, String key) {
      JsonNode v = n.get(key);
      if (v == null) throw NomoatException.inputData(uri + " has no key '" + key + "'");
      return v;
    }

    private NomoatException wrong(String key, String what) {
      return NomoatException.inputData(uri + ": key '" + key + "' must be " + what);
    }

    JsonNode object(JsonNode n, String key) {
      JsonNode v = get(n, key);
      if (!v.isObject()) throw wrong(key, "an object");
      return v;
    }

    String text(JsonNode n, String key) {
      JsonNode v = get(n, key);
      if (!v.isTextual()) throw wrong(key, "a string");
      return v.asText();
    }

    long number(JsonNode n, String key) {
      JsonNode v = get(n, key);
      if (!v.canConvertToLong() || !v.isIntegralNumber()) throw wrong(key, "an integer");
      return v.asLong();
    }

    int integer(JsonNode n, String key) {
      JsonNode v = get(n, key);
      if (!v.canConvertToInt() || !v.isIntegralNumber()) throw wrong(key, "an integer");
      return v.asInt();
    }

    boolean bool(JsonNode n, String key) {
      JsonNode v = get(n, key);
      if (!v.isBoolean()) throw wrong(key, "true or false");
      return v.asBoolean();
    }

    Double nullableDouble(JsonNode n, String key) {
      JsonNode v = get(n, key);
      if (v.isNull()) return null;
      if (!v.isNumber()) throw wrong(key, "a number or null");
      return v.asDouble();
    }

    Long nullableLong(JsonNode n, String key) {
      JsonNode v = get(n, key);
      if (v.isNull()) return null;
      return number(n, key);
    }

    void counts(JsonNode obj, Map<String, Long> into) {
      for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        into.put(k, number(obj, k));
      }
    }
  }
}
