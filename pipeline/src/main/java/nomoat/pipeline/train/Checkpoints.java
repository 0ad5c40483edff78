package nomoat.pipeline.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.format.PeftAdapterDir;
import nomoat.pipeline.format.Safetensors;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The one reader/writer of training checkpoints. While a run is going they live beside its output, in
 * {@code <parent>/.<name>.checkpoints/} (named from the output alone, so {@code --resume auto} finds them; outside the
 * output's staging directory, whose name is random per run); the commit moves the kept ones into
 * {@code <output>/checkpoints/}. A checkpoint {@code step-000120/} holds {@code adapter/} (PEFT), {@code optimizer.safetensors}
 * (AdamW moments keyed by tensor name), {@code metrics.jsonl} (the lines so far) and {@code trainer_state.json}; it is
 * written by the driver under {@code .step-000120.tmp}, renamed, and marked by {@code _COMMITTED} written last (the
 * rename suffices on local disk and HDFS; the marker is what S3, whose rename is a copy, relies on). Only marked
 * checkpoints are read or rotated.
 */
public final class Checkpoints {
  public static final String MARKER = "_COMMITTED";
  public static final String OPTIMIZER = "optimizer.safetensors";
  public static final String STATE = "trainer_state.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** What a checkpoint says about the run it came from. {@code hashes}: config, manifest, base model, stacked adapters. */
  public record TrainerState(long step, long epoch, long stepInEpoch, long seed, String runId, Map<String, String> hashes) {}

  /** A restored checkpoint. */
  public record Restored(String dir, LoraAdapter adapter, OptimizerState optimizer, TrainerState state, byte[] metrics) {}

  private Checkpoints() {}

  /** The in-progress checkpoint directory of an output. */
  public static String dirFor(String outputUri) {
    Path out = new Path(outputUri);
    return new Path(out.getParent(), "." + out.getName() + ".checkpoints").toString();
  }

  public static String name(long step) { return String.format(Locale.ROOT, "step-%06d", step); }

  /** Writes and commits a checkpoint, then deletes committed ones beyond the newest {@code keep}. Returns its path. */
  public static String write(Configuration conf, String dir, LoraAdapter adapter, OptimizerState optimizer, TrainerState state,
                             byte[] metrics, String baseModel, int keep) {
    Path root = new Path(dir), tmp = new Path(root, "." + name(state.step()) + ".tmp"), done = new Path(root, name(state.step()));
    try {
      FileSystem fs = Storage.fileSystem(conf, root);
      if (fs.exists(tmp)) fs.delete(tmp, true);
      if (fs.exists(done)) fs.delete(done, true);        // an uncommitted leftover of a killed run, or an older run's
      PeftAdapterDir.write(conf, new Path(tmp, "adapter").toString(), adapter, baseModel, Safetensors.Dtype.F32);
      Storage.writeBytes(conf, new Path(tmp, OPTIMIZER).toString(), optimizer.toBytes());
      Storage.writeBytes(conf, new Path(tmp, TrainLayout.METRICS).toString(), metrics);
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("step", state.step());
      s.put("epoch", state.epoch());
      s.put("data_cursor", Map.of("epoch", state.epoch(), "step_in_epoch", state.stepInEpoch()));
      s.put("seed", state.seed());
      s.put("run_id", state.runId());
      s.put("hashes", new TreeMap<>(state.hashes()));
      Storage.writeBytes(conf, new Path(tmp, STATE).toString(), JSON.writeValueAsBytes(s));
      if (!fs.rename(tmp, done)) throw new IOException("rename " + tmp + " -> " + done + " returned false");
      Storage.writeBytes(conf, new Path(done, MARKER).toString(), new byte[0]);
      List<Path> committed = committed(conf, dir);
      for (int i = 0; i < committed.size() - keep; i++) fs.delete(committed.get(i), true);
      return done.toString();
    } catch (IOException e) {
      throw NomoatException.io("cannot write checkpoint " + done + ": " + e.getMessage(), e);
    }
  }

  /** Committed checkpoints under {@code dir}, oldest first (empty when there is no such directory). */
  public static List<Path> committed(Configuration conf, String dir) {
    Path root = new Path(dir);
    List<Path> out = new ArrayList<>();
    try {
      FileSystem fs = Storage.fileSystem(conf, root);
      if (!fs.exists(root)) return out;
      for (FileStatus st : fs.listStatus(root, p -> p.getName().matches("step-\\d{6,}")))
        if (st.isDirectory() && fs.exists(new Path(st.getPath(), MARKER))) out.add(st.getPath());
    } catch (IOException e) {
      throw NomoatException.io("cannot list checkpoints in " + dir + ": " + e.getMessage(), e);
    }
    out.sort((a, b) -> Long.compare(Long.parseLong(a.getName().substring(5)), Long.parseLong(b.getName().substring(5))));
    return out;
  }

  /** The newest committed checkpoint under {@code dir}, or null. */
  public static String newest(Configuration conf, String dir) {
    List<Path> all = committed(conf, dir);
    return all.isEmpty() ? null : all.get(all.size() - 1).toString();
  }

  /**
   * Reads a committed checkpoint and refuses one from another run setup, naming what differs. A damaged one (e.g. a
   * truncated safetensors file) is reported as such; the caller may then name an older one with --resume PATH.
   */
  @SuppressWarnings("unchecked")
  public static Restored read(Configuration conf, String dir, LoraSpec spec, Map<String, String> expectedHashes) {
    if (!Storage.exists(conf, new Path(new Path(dir), MARKER).toString()))
      throw NomoatException.inputData("checkpoint " + dir + " is not committed (no " + MARKER + "): a checkpoint being written when "
          + "the run stopped; resume from an earlier one");
    try {
      Map<String, Object> s = JSON.readValue(Storage.readAllBytes(conf, new Path(new Path(dir), STATE).toString(), 1 << 20), Map.class);
      Map<String, String> hashes = (Map<String, String>) s.get("hashes");
      List<String> differs = new ArrayList<>();
      for (Map.Entry<String, String> e : new TreeMap<>(expectedHashes).entrySet())
        if (!e.getValue().equals(hashes.get(e.getKey()))) differs.add(e.getKey());
      if (!differs.isEmpty())
        throw NomoatException.config("checkpoint " + dir + " belongs to another run setup: its " + String.join(", ", differs)
            + (differs.size() == 1 ? " differs" : " differ") + " from this run's; resume only with the same config, data and model");
      Map<String, Object> cursor = (Map<String, Object>) s.get("data_cursor");
      TrainerState state = new TrainerState(((Number) s.get("step")).longValue(), ((Number) cursor.get("epoch")).longValue(),
          ((Number) cursor.get("step_in_epoch")).longValue(), ((Number) s.get("seed")).longValue(), (String) s.get("run_id"), hashes);
      LoraAdapter read = PeftAdapterDir.read(conf, new Path(new Path(dir), "adapter").toString());
      OptimizerState opt = OptimizerState.fromBytes(Storage.readAllBytes(conf, new Path(new Path(dir), OPTIMIZER).toString(), Integer.MAX_VALUE - 16));
      if (opt.step() != state.step()) throw new IllegalArgumentException("optimiser step " + opt.step() + " but trainer state step " + state.step());
      byte[] metrics = Storage.readAllBytes(conf, new Path(new Path(dir), TrainLayout.METRICS).toString(), Integer.MAX_VALUE - 16);
      return new Restored(dir, new LoraAdapter(spec, read.a(), read.b()), opt, state, metrics);
    } catch (NomoatException e) {
      if (e.exitCode() == NomoatException.ExitCode.CONFIG) throw e;
      throw NomoatException.inputData("checkpoint " + dir + " is damaged: " + e.getMessage() + "; resume from an earlier one with --resume PATH", e);
    } catch (IOException | RuntimeException e) {
      throw NomoatException.inputData("checkpoint " + dir + " is damaged: " + e.getMessage() + "; resume from an earlier one with --resume PATH", e);
    }
  }

  /** Moves the committed checkpoints into {@code <staging>/checkpoints/} (the commit then publishes them) and drops the rest. */
  public static void moveInto(Configuration conf, String dir, String staging) {
    Path root = new Path(dir), target = new Path(new Path(staging), TrainLayout.CHECKPOINTS);
    try {
      FileSystem fs = Storage.fileSystem(conf, root);
      fs.mkdirs(target);
      for (Path p : committed(conf, dir))
        if (!fs.rename(p, new Path(target, p.getName()))) throw new IOException("rename " + p + " returned false");
      if (fs.exists(root)) fs.delete(root, true);
    } catch (IOException e) {
      throw NomoatException.io("cannot move checkpoints from " + dir + ": " + e.getMessage(), e);
    }
  }
}
