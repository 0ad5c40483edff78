package nomoat.pipeline.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import nomoat.pipeline.NomoatException;

/**
 * How nomoat starts Spark when it starts it itself; {@code conf} holds extra Spark properties verbatim. The master
 * and the properties whose syntax nomoat knows ({@link SparkValues}) are checked here, before Spark starts.
 */
public record SparkSettings(String master, String appName, Map<String, String> conf) {

  /** {@code c}: the whole configuration (messages name keys from the root). */
  static SparkSettings from(Config c) {
    Map<String, String> conf = new TreeMap<>();
    // "spark.executor.memory" quoted is one key; unquoted it nests spark { executor { memory } }: both mean the property
    for (Map.Entry<String, ConfigValue> e : c.getConfig("spark.conf").entrySet()) {
      String key = String.join(".", ConfigUtil.splitPath(e.getKey()));
      ConfigValue v = e.getValue();
      String value = v.valueType() == ConfigValueType.LIST
          ? ((List<?>) v.unwrapped()).stream().map(String::valueOf).collect(Collectors.joining(","))
          : String.valueOf(v.unwrapped());
      String problem = SparkValues.problem(key, value);
      if (problem != null) {
        throw NomoatException.config("spark.conf: " + key + " = " + v.render() + " (" + ConfigLoader.where(v.origin()) + "): " + problem);
      }
      conf.put(key, value);
    }
    String master = Checks.nonEmpty(c, "spark.master");
    String problem = SparkValues.masterProblem(master);
    if (problem != null) throw Checks.fail(c, "spark.master", problem);
    return new SparkSettings(master, Checks.nonEmpty(c, "spark.app-name"), conf);
  }
}
