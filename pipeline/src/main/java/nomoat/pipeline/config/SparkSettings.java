package nomoat.pipeline.config;

import com.typesafe.config.Config;
import java.util.Map;
import java.util.TreeMap;

/** How nomoat starts Spark when it starts it itself; {@code conf} holds extra Spark properties verbatim. */
public record SparkSettings(String master, String appName, Map<String, String> conf) {

  static SparkSettings from(Config c) {
    Map<String, String> conf = new TreeMap<>();
    c.getConfig("conf").root().unwrapped().forEach((k, v) -> conf.put(k, String.valueOf(v)));
    return new SparkSettings(Checks.nonEmpty(c, "master"), Checks.nonEmpty(c, "app-name"), conf);
  }
}
