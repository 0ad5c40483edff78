package nomoat.jobs;

import java.util.Map;
import nomoat.pipeline.config.SparkSettings;
import org.apache.hadoop.conf.Configuration;

/**
 * A Hadoop configuration for work done before (or without) Spark, honouring spark.hadoop.* properties the way
 * Spark does: from system properties (spark-submit --conf) first, then from nomoat's spark.conf.
 */
final class HadoopConf {
  private HadoopConf() {}

  static Configuration from(SparkSettings spark) {
    Configuration conf = new Configuration();
    for (String key : System.getProperties().stringPropertyNames()) {
      if (key.startsWith("spark.hadoop.")) conf.set(key.substring("spark.hadoop.".length()), System.getProperty(key));
    }
    for (Map.Entry<String, String> e : spark.conf().entrySet()) {
      if (e.getKey().startsWith("spark.hadoop.")) conf.set(e.getKey().substring("spark.hadoop.".length()), e.getValue());
    }
    return conf;
  }
}
