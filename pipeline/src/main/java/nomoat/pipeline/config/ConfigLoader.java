package nomoat.pipeline.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;

/**
 * The only code that reads HOCON. Layers: command-line {@code key=value} overrides, then the user's file,
 * then {@code reference.conf}; {@code ${?ENV}} substitutions resolve against the environment. Unknown keys,
 * wrong types and impossible values become one {@link NomoatException} (exit code CONFIG) naming the key and
 * where it was set.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /** Keys below these paths are free-form: Spark properties, and {@code vars} for the user's own substitutions. */
  private static final List<String> FREE_FORM = List.of("spark.conf", "vars");

  public static NomoatConfig load(Path file, List<String> overrides) {
    Config user = ConfigFactory.empty();
    if (file != null) {
      if (!Files.isRegularFile(file)) throw NomoatException.config("config file " + file + " does not exist");
      try {
        user = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
      } catch (ConfigException e) {
        throw NomoatException.config("config file " + file + ": " + e.getMessage());
      }
    }
    return load(user, overrides);
  }

  /** A config shipped on the classpath (the demo's), with the same layering as a user's file. */
  public static NomoatConfig loadResource(ClassLoader loader, String resource, List<String> overrides) {
    return load(ConfigFactory.parseResources(loader, resource), overrides);
  }

  public static NomoatConfig load(Config user, List<String> overrides) {
    Config layered = user;
    for (String override : overrides) layered = parseOverride(override).withFallback(layered);
    Config reference = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), "reference.conf");
    if (reference.isEmpty()) throw new IllegalStateException("reference.conf missing from the classpath");
    checkKnownKeys(layered, reference);
    Config merged;
    try {
      merged = layered.withFallback(reference).resolve(ConfigResolveOptions.defaults());
    } catch (ConfigException e) {
      throw NomoatException.config(e.getMessage());
    }
    try {
      CostSettings.from(merged);          // checked here; NomoatConfig.cost() / estimate() read them
      EstimateSettings.from(merged);
      return new NomoatConfig(SparkSettings.from(merged), PrepareSettings.from(merged), ModelSettings.from(merged),
          LoraSettings.from(merged), TrainSettings.from(merged), ExportSettings.from(merged), GenerateSettings.from(merged), EngineSettings.from(merged),
          EvaluateSettings.from(merged), merged);
    } catch (ConfigException e) {
      throw NomoatException.config(e.getMessage());
    }
  }

  /**
   * {@code key=value} means what {@code key = value} means in the --conf file: quoted strings, numbers, booleans,
   * null, lists, objects and {@code ${...}} substitutions are HOCON. An unquoted value that HOCON would cut short
   * or refuse (a URI's "//" or ':', '#', globs, {@code local[*]}) is taken whole as a string, so paths and URIs need
   * no quoting; {@code ${...}} inside it still substitutes.
   */
  static Config parseOverride(String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) throw NomoatException.config("override '" + override + "' is not of the form key=value");
    String key = override.substring(0, eq).trim();
    String value = override.substring(eq + 1).trim();
    String origin = "command-line override '" + override + "'";
    String hocon = value.startsWith("\"") || value.startsWith("[") || value.startsWith("{") || isPlainHocon(value)
        ? value : literalWithSubstitutions(value);
    try {
      return ConfigFactory.parseString(key + " = " + hocon, ConfigParseOptions.defaults().setOriginDescription(origin));
    } catch (ConfigException e) {
      throw NomoatException.config(origin + ": " + e.getMessage());
    }
  }

  /** An unquoted value HOCON reads whole, as it would in a file: no reserved character, no comment start. */
  private static boolean isPlainHocon(String value) {
    if (value.isEmpty() || value.contains("//")) return false;
    for (char ch : value.toCharArray()) {
      if ("$\"{}[]:=,+#`^?!@*&\\\n\r".indexOf(ch) >= 0) return false;
    }
    return true;
  }

  /** The text as quoted HOCON strings, with any {@code ${path}} / {@code ${?path}} kept as a substitution. */
  private static String literalWithSubstitutions(String value) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < value.length()) {
      int start = value.indexOf("${", i);
      int end = start < 0 ? -1 : value.indexOf('}', start);
      if (start < 0 || end < 0) {
        out.append(ConfigUtil.quoteString(value.substring(i)));
        break;
      }
      if (start > i) out.append(ConfigUtil.quoteString(value.substring(i, start)));
      out.append(value, start, end + 1);
      i = end + 1;
    }
    return out.length() == 0 ? "\"\"" : out.toString();
  }

  private static void checkKnownKeys(Config layered, Config reference) {
    for (Map.Entry<String, ConfigValue> e : layered.entrySet()) {
      String path = e.getKey();
      if (FREE_FORM.stream().anyMatch(p -> path.startsWith(p + "."))) continue;
      if (!reference.hasPathOrNull(path)) {
        throw NomoatException.config("unknown key '" + path + "' (" + where(e.getValue().origin()) + ")" + suggestion(path, reference));
      }
    }
  }

  private static String suggestion(String path, Config reference) {
    String leaf = path.substring(path.lastIndexOf('.') + 1);
    String parent = path.contains(".") ? path.substring(0, path.lastIndexOf('.')) : "";
    String best = null;
    int bestDistance = 3;
    for (String candidate : allPaths(reference.root(), "")) {
      String cParent = candidate.contains(".") ? candidate.substring(0, candidate.lastIndexOf('.')) : "";
      if (!cParent.equals(parent)) continue;
      int d = editDistance(leaf, candidate.substring(candidate.lastIndexOf('.') + 1));
      if (d < bestDistance) { bestDistance = d; best = candidate; }
    }
    return best == null ? "" : "; did you mean '" + best + "'?";
  }

  /** Every leaf path, keys whose default is null included (Config.entrySet leaves those out). */
  private static java.util.List<String> allPaths(com.typesafe.config.ConfigObject obj, String prefix) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
      String path = prefix + e.getKey();
      if (e.getValue() instanceof com.typesafe.config.ConfigObject child) out.addAll(allPaths(child, path + "."));
      else out.add(path);
    }
    return out;
  }

  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev; prev = cur; cur = t;
    }
    return prev[b.length()];
  }

  /** "file.conf: 12" or "command-line override 'x=y'" or "reference.conf: 40". */
  static String where(ConfigOrigin origin) {
    return origin == null ? "unknown origin" : origin.description();
  }

  /** The effective configuration as plain maps, for manifests and logs. */
  public static Map<String, Object> toMap(Config config, String path) {
    return config.getConfig(path).root().unwrapped();
  }

  public static String render(Config config, String path) {
    return config.getConfig(path).root().render(ConfigRenderOptions.concise().setFormatted(true));
  }
}
