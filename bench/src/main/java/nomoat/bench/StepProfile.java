package nomoat.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a training step's time goes, from JDK Flight Recorder stack samples (Java and native frames, 10 ms period)
 * of the calling thread and the engine's worker threads ("nomoat-engine"): shares by engine component (Linear,
 * Attention, ...), by the innermost engine source line (e.g. a gemm call site) and by the ND4J native entry point at
 * the top of the stack. Shares add to 100% of the sampled running time inside the engine and trainer.
 */
final class StepProfile implements AutoCloseable {
  private static final Set<String> COMPONENTS = Set.of("Linear", "Attention", "Mlp", "RmsNorm", "Rope", "CrossEntropy",
      "LlamaModel", "DecoderLayer", "ForwardBackward", "Batch", "GradAccumulator", "AdamW", "GradClipping",
      "LocalTrainer", "HostTensors");
  private final Recording recording = new Recording();
  private final long threadId = Thread.currentThread().getId();

  StepProfile() {
    recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
    recording.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(10));
    recording.start();
  }

  /** Stops sampling and returns {samples, by_component, by_line, by_native_op} (top entries, percent). */
  Map<String, Object> finish() throws IOException {
    recording.stop();
    Path file = Files.createTempFile("nomoat-step-profile", ".jfr");
    try {
      recording.dump(file);
      Map<String, Integer> byComponent = new HashMap<>(), byLine = new HashMap<>(), byLeaf = new HashMap<>();
      int n = 0;
      for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
        jdk.jfr.consumer.RecordedThread t = e.getThread("sampledThread");
        if (t == null || (t.getJavaThreadId() != threadId && (t.getJavaName() == null || !t.getJavaName().startsWith("nomoat-engine"))))
          continue;
        if (e.getStackTrace() == null) continue;
        List<RecordedFrame> frames = e.getStackTrace().getFrames();
        String line = null, component = null;
        for (RecordedFrame f : frames) {
          String type = f.getMethod().getType().getName();
          if (!type.startsWith("nomoat.pipeline.")) continue;
          String simple = type.substring(type.lastIndexOf('.') + 1);
          if (line == null) line = simple + "." + f.getMethod().getName() + ":" + f.getLineNumber();
          if (component == null && COMPONENTS.contains(simple.replaceAll("\\$.*", ""))) component = simple + "." + f.getMethod().getName();
        }
        if (line == null) continue;
        n++;
        RecordedFrame leaf = frames.get(0);
        byLeaf.merge(leaf.getMethod().getType().getName().replaceAll(".*\\.", "") + "." + leaf.getMethod().getName(), 1, Integer::sum);
        byLine.merge(line, 1, Integer::sum);
        byComponent.merge(component == null ? line : component, 1, Integer::sum);
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("samples", n);
      out.put("by_component", top(byComponent, n, 15));
      out.put("by_line", top(byLine, n, 15));
      out.put("by_native_op", top(byLeaf, n, 10));
      return out;
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static Map<String, Double> top(Map<String, Integer> counts, int total, int k) {
    Map<String, Double> out = new LinkedHashMap<>();
    counts.entrySet().stream().sorted((x, y) -> y.getValue() - x.getValue()).limit(k)
        .forEach(en -> out.put(en.getKey(), Math.round(1000.0 * en.getValue() / Math.max(1, total)) / 10.0));
    return out;
  }

  @Override
  public void close() { recording.close(); }
}
