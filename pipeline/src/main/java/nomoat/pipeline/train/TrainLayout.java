package nomoat.pipeline.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.Map;
import nomoat.pipeline.io.Storage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Where things live in a train output, and the one writer of {@code run.json}:
 * <pre>
 *   adapter/adapter_config.json, adapter/adapter_model.safetensors   the trained adapter (PEFT)
 *   metrics.jsonl                                                    one {@link StepRecord} per step
 *   checkpoints/step-000120/                                         kept checkpoints
 *   run.json                                                         config, input hashes, versions, outcome
 *   _SUCCESS                                                         written last by CommittedOutput
 * </pre>
 */
public final class TrainLayout {
  public static final String ADAPTER = "adapter";
  public static final String METRICS = "metrics.jsonl";
  public static final String RUN = "run.json";
  public static final String CHECKPOINTS = "checkpoints";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private TrainLayout() {}

  public static String resolve(String dir, String relative) {
    return new Path(new Path(dir), relative).toString();
  }

  public static void writeRunJson(Configuration conf, String dir, Map<String, Object> run) {
    try {
      Storage.writeBytes(conf, resolve(dir, RUN), JSON.writeValueAsBytes(run));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("run.json holds a value JSON cannot hold: " + e.getMessage(), e);
    }
  }
}
