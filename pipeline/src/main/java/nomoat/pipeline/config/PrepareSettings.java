package nomoat.pipeline.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.ExampleSettings;
import nomoat.pipeline.data.record.RecordFormatName;
import nomoat.pipeline.data.template.TemplateName;
import nomoat.pipeline.source.SourceFormat;

/** Everything the prepare and inspect stages read from config. Sizes are in tokens unless named otherwise. */
public record PrepareSettings(
    String output,
    String tokenizer,
    List<SourceSettings> sources,
    TemplateName template,
    String systemPrompt,
    boolean trainOnPrompt,
    boolean trainAllAssistantTurns,
    int maxLength,
    boolean dropOverLong,
    boolean packing,
    int seqLen,
    boolean dedup,
    long splitSeed,
    double validationFraction,
    long validationCount,
    int trainShards,
    int validationShards,
    long targetRowsPerShard,
    double maxRejectFraction,
    int parallelism) {

  public static final List<String> TEMPLATES = TemplateName.codes();
  public static final List<String> FILE_FORMATS = SourceFormat.codes();
  public static final List<String> RECORD_FORMATS = RecordFormatName.codes();
  public static final Set<String> COLUMN_NAMES = ExampleSettings.LOGICAL_COLUMNS;
  private static final Set<String> SOURCE_KEYS = Set.of("name", "paths", "file-format", "record-format", "columns", "weight", "limit");

  static PrepareSettings from(Config root) {
    Config c = root;
    TemplateName template = TemplateName.parse(Checks.oneOf(c, "prepare.template", TEMPLATES));
    int maxLength = Checks.integer(c, "prepare.max-length");
    Checks.require(maxLength >= 8, c, "prepare.max-length", "must be at least 8");
    String policy = Checks.oneOf(c, "prepare.length-policy", List.of("truncate", "drop"));
    String turns = Checks.oneOf(c, "prepare.train-turns", List.of("all", "last"));
    int seqLen = Checks.integer(c, "prepare.packing.seq-len");
    boolean packing = Checks.bool(c, "prepare.packing.enabled");
    Checks.require(!packing || seqLen >= maxLength, c, "prepare.packing.seq-len",
        "must be >= prepare.max-length (" + maxLength + ") so every example fits in a packed row");
    double valFraction = Checks.number(c, "prepare.split.validation-fraction");
    Checks.require(valFraction >= 0 && valFraction < 1, c, "prepare.split.validation-fraction", "must be in [0, 1)");
    double maxReject = Checks.number(c, "prepare.max-reject-fraction");
    Checks.require(maxReject >= 0 && maxReject <= 1, c, "prepare.max-reject-fraction", "must be in [0, 1]");
    int trainShards = Checks.integer(c, "prepare.shards.train");
    Checks.require(trainShards >= 0, c, "prepare.shards.train", "must be >= 0 (0 = automatic)");
    int valShards = Checks.integer(c, "prepare.shards.validation");
    Checks.require(valShards >= 0, c, "prepare.shards.validation", "must be >= 0 (0 = automatic)");
    long targetRows = Checks.integral(c, "prepare.shards.target-rows");
    Checks.require(targetRows > 0, c, "prepare.shards.target-rows", "must be positive");
    int parallelism = Checks.integer(c, "prepare.parallelism");
    Checks.require(parallelism >= 0 && parallelism <= 100_000, c, "prepare.parallelism", "must be in [0, 100000] (0 = Spark's default parallelism)");
    Checks.require(trainShards <= 100_000, c, "prepare.shards.train", "must be at most 100000");
    Checks.require(valShards <= 100_000, c, "prepare.shards.validation", "must be at most 100000");
    long valCount = Checks.integral(c, "prepare.split.validation-count");
    Checks.require(valCount >= -1, c, "prepare.split.validation-count", "must be -1 (use the fraction) or >= 0");
    long seed = Checks.integral(c, "prepare.split.seed");
    String systemPrompt = Checks.nullableString(c, "prepare.system-prompt");
    String promptProblem = systemPrompt == null ? null : nomoat.pipeline.tokenize.TokenizableText.problem(systemPrompt);
    Checks.require(promptProblem == null, c, "prepare.system-prompt", "cannot be tokenized: it " + promptProblem);
    List<SourceSettings> sources = sources(c.getConfig("prepare"));
    for (SourceSettings s : sources) {
      if (template == TemplateName.RAW && s.recordFormat().hasTurns()) {
        throw NomoatException.config("prepare.template = raw only applies to record-format = text, but source '" + s.name()
            + "' is " + s.recordFormat());
      }
    }
    return new PrepareSettings(
        Checks.nullableString(c, "prepare.output"), Checks.nullableString(c, "prepare.tokenizer"), sources, template,
        systemPrompt, Checks.bool(c, "prepare.train-on-prompt"), turns.equals("all"), maxLength,
        policy.equals("drop"), packing, seqLen, Checks.bool(c, "prepare.dedup"), seed, valFraction,
        valCount, trainShards, valShards, targetRows, maxReject, parallelism);
  }

  /** Output and tokenizer are required by prepare; inspect needs only the tokenizer. */
  public void requireOutputAndTokenizer() {
    if (output == null || output.isBlank()) throw NomoatException.config("prepare.output is required (set it in the config file or as prepare.output=URI)");
    requireTokenizer();
  }

  public void requireTokenizer() {
    if (tokenizer == null || tokenizer.isBlank()) throw NomoatException.config("prepare.tokenizer is required (a directory holding tokenizer.json, or a GGUF model)");
  }

  public void requireSources() {
    if (sources.isEmpty()) throw NomoatException.config("prepare.sources is empty: name at least one input dataset");
  }

  private static List<SourceSettings> sources(Config c) {
    List<SourceSettings> out = new ArrayList<>();
    List<? extends Config> list;
    try {
      list = c.getConfigList("sources");
    } catch (ConfigException.WrongType e) {
      throw NomoatException.config("prepare.sources must be a list of objects: " + e.getMessage());
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      Config s = list.get(i);
      String what = "prepare.sources[" + i + "]";
      Checks.onlyKeys(s, what, SOURCE_KEYS);
      String name = s.hasPath("name") ? s.getString("name") : "source" + i;
      if (name.isBlank() || name.contains(",") || name.contains("#")) {
        throw NomoatException.config(what + ".name '" + name + "' must be non-empty without ',' or '#' (packed rows join names with ',')");
      }
      if (!names.add(name)) throw NomoatException.config(what + ".name '" + name + "' is used by two sources");
      if (!s.hasPath("paths")) throw NomoatException.config(what + " (" + ConfigLoader.where(s.origin()) + ") has no 'paths'");
      List<String> paths = s.getValue("paths").valueType() == ConfigValueType.STRING ? List.of(s.getString("paths")) : s.getStringList("paths");
      if (paths.isEmpty()) throw NomoatException.config(what + ".paths is empty");
      String fileFormat = s.hasPath("file-format") ? s.getString("file-format") : SourceFormat.AUTO.code();
      if (!FILE_FORMATS.contains(fileFormat)) throw NomoatException.config(what + ".file-format = " + fileFormat + ": must be one of " + FILE_FORMATS);
      String recordFormat = s.hasPath("record-format") ? s.getString("record-format") : RecordFormatName.ALPACA.code();
      if (!RECORD_FORMATS.contains(recordFormat)) throw NomoatException.config(what + ".record-format = " + recordFormat + ": must be one of " + RECORD_FORMATS);
      Map<String, String> columns = new LinkedHashMap<>();
      if (s.hasPath("columns")) {
        s.getConfig("columns").root().forEach((k, v) -> {
          if (!COLUMN_NAMES.contains(k)) throw NomoatException.config(what + ".columns has unknown field '" + k + "'; known: " + new java.util.TreeSet<>(COLUMN_NAMES));
          if (v.valueType() != ConfigValueType.STRING) throw NomoatException.config(what + ".columns." + k + " must be a column name (a string), got " + v.render());
          columns.put(k, (String) v.unwrapped());
        });
      }
      double weight = s.hasPath("weight") ? s.getDouble("weight") : 1.0;
      if (!(weight > 0 && weight <= 1000)) throw NomoatException.config(what + ".weight = " + weight + ": must be in (0, 1000]");
      long limit;
      try {
        limit = s.hasPath("limit") ? Checks.integral(s, "limit") : -1;
      } catch (NomoatException e) {
        throw NomoatException.config(what + "." + e.getMessage());
      }
      if (limit == 0 || limit < -1) throw NomoatException.config(what + ".limit = " + limit + ": must be positive or -1 (no limit)");
      out.add(new SourceSettings(name, paths, SourceFormat.parse(fileFormat), RecordFormatName.parse(recordFormat), columns, weight, limit));
    }
    return out;
  }
}
