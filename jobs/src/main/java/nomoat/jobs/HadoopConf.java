package nomoat.jobs;

import java.util.Map;
import nomoat.pipeline.config.SparkSettings;
import org.apache.hadoop.conf.Configuration;

/** A Hadoop configuration for driver-only commands, honouring spark.hadoop.* properties the way Spark does. */
final class HadoopConf {
  private HadoopConf() {}

  static Configuration from(SparkSettings spark) {
    Configuration conf = new Configuration();
    for (Map.Entry<String, String> e : spark.conf().entrySet()) {
      if (e.getKey().startsWith("spark.hadoop.")) conf.set(e.getKey().substring("spark.hadoop.".length()), e.getValue());
    }
    return conf;
  }
}
