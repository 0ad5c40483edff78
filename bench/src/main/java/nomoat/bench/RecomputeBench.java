package nomoat.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import nomoat.jobs.Main;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.Batch;
import nomoat.pipeline.model.EngineOptions;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.model.LoraInit;
import nomoat.pipeline.model.RandomWeights;
import nomoat.pipeline.model.WorkspaceMemory;
import nomoat.pipeline.train.AdamW;
import nomoat.pipeline.train.LocalTrainer;
import nomoat.pipeline.train.LrSchedule;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The cost and the saving of {@code train.recompute = layers} (gradient checkpointing per decoder layer) at cfg B's
 * shape with a long row: per mode, in its own JVM, tokens/s of a LoRA step and the activation memory, both as the bytes
 * the engine's step workspaces hold after the steps (exact: the activations live there) and as the JVM's peak RSS.
 */
@Command(name = "recompute", mixinStandardHelpOptions = true, sortOptions = false, description = {
    "train.recompute none vs layers at cfg B (hidden 512, 8 layers, vocab 32000), batch 1 x seq 2048, LoRA q,v r=8: "
        + "tokens/s, bytes held by the engine's step workspaces (the activations), peak RSS; each mode in its own JVM."})
public final class RecomputeBench implements Callable<Integer> {
  @Option(names = "--seq", paramLabel = "N", defaultValue = "2048", description = "Tokens per row (default ${DEFAULT-VALUE}).")
  int seq;
  @Option(names = "--batch", paramLabel = "N", defaultValue = "1", description = "Rows per step (default ${DEFAULT-VALUE}; 1 keeps the step on one thread, whose workspaces are measured).")
  int batch;
  @Option(names = "--modes", paramLabel = "LIST", split = ",", defaultValue = "none,layers", description = "train.recompute values, one JVM each (default ${DEFAULT-VALUE}).")
  List<String> modes;
  @Option(names = "--steps", paramLabel = "N", defaultValue = "3", description = "Measured steps; the median is reported (default ${DEFAULT-VALUE}).")
  int steps;
  @Option(names = "--warmup", paramLabel = "N", defaultValue = "2", description = "Warm-up steps (the first sizes the workspaces) (default ${DEFAULT-VALUE}).")
  int warmup;
  @Option(names = "--threads", paramLabel = "N", defaultValue = "2", description = "Engine threads / OMP_NUM_THREADS (default ${DEFAULT-VALUE}).")
  int threads;
  @Option(names = "--json-out", paramLabel = "FILE", description = "Also write every result as JSON to FILE.")
  File jsonOut;
  @Option(names = "--child", hidden = true, description = "Internal: measure one mode in this JVM and print JSON.")
  String child;
  @Spec CommandSpec spec;

  public static void main(String[] argv) {
    int rc = Main.run(new RecomputeBench(), argv, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    if (rc != 0 || List.of(argv).contains("--child")) System.exit(rc);
  }

  /** "none" -> false, "layers" -> true, as train.recompute. */
  static boolean recompute(String mode) {
    return switch (mode.trim()) {
      case "none" -> false;
      case "layers" -> true;
      default -> throw new NomoatException(NomoatException.ExitCode.USAGE, "bench recompute: --modes: unknown '" + mode + "'; known: none, layers");
    };
  }

  @Override
  public Integer call() throws Exception {
    for (Object[] o : new Object[][] {{"--seq", seq}, {"--batch", batch}, {"--steps", steps}, {"--threads", threads}})
      if ((int) o[1] < 1) throw new NomoatException(NomoatException.ExitCode.USAGE, "bench recompute: " + o[0] + " must be at least 1, got " + o[1]);
    for (String m : modes) recompute(m);
    PrintWriter out = spec.commandLine().getOut();
    if (child != null) {
      out.println(new ObjectMapper().writeValueAsString(measure(child)));
      out.flush();
      return 0;
    }
    List<Map<String, Object>> results = new ArrayList<>();
    for (String m : modes) results.add(runChild(m.trim()));
    out.print(format(results));
    out.flush();
    if (jsonOut != null) new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(jsonOut, results);
    return 0;
  }

  private Map<String, Object> measure(String mode) throws Exception {
    BenchModel b = BenchModel.B;
    BenchModel m = new BenchModel("B", b.hidden(), b.layers(), b.heads(), b.kvHeads(), b.intermediate(), b.vocab(), seq, batch);
    LlamaConfig config = m.toLlamaConfig();
    LlamaModel model = new LlamaModel(RandomWeights.llama(config, 0),
        EngineOptions.defaults().withThreads(threads).withRecompute(recompute(mode)));
    LoraSpec spec = new LoraSpec(8, 16, 0.0, BenchModel.targets("qv"), null, false);
    LoraAdapter adapter = LoraInit.create(spec, config, 0, DataType.FLOAT);
    LocalTrainer trainer = new LocalTrainer(model, adapter, new LocalTrainer.Settings(AdamW.withWeightDecay(0.0),
        new LrSchedule(LrSchedule.Kind.CONSTANT, 1e-4, 0, 0), 0.0, 0));
    List<Batch> batches = TrainStepBench.randomBatches(m, 1, 2);
    double rssModel = ProcessMemory.now().rssMib();
    for (int i = 0; i < warmup; i++) trainer.step(List.of(batches.get(i % 2)));
    double[] t = new double[steps];
    CpuShare cpu = new CpuShare();
    for (int i = 0; i < steps; i++) {
      long t0 = System.nanoTime();
      trainer.step(List.of(batches.get(i % 2)));
      t[i] = (System.nanoTime() - t0) / 1e9;
    }
    WorkspaceMemory.Held held = WorkspaceMemory.ofThisThread();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("recompute", mode);
    r.put("seq", seq);
    r.put("batch", batch);
    r.put("tokens_per_s_median", (double) seq * batch / Stats.median(t));
    r.put("step_s_median", Stats.median(t));
    r.put("workspace_bytes", held.bytes());
    r.put("workspace_max_cycle_bytes", held.maxCycleBytes());
    r.put("workspaces", held.workspaces());
    r.put("weights_bytes", model.weights().storedBytes());
    r.put("rss_after_model_mib", rssModel);
    r.put("peak_rss_mib", ProcessMemory.now().peakRssMib());
    r.put("foreign_cpu_share_during_run", cpu.foreignShare());
    return r;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> runChild(String mode) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String opt : ManagementFactory.getRuntimeMXBean().getInputArguments())
      if (!opt.startsWith("-agentlib") && !opt.startsWith("-javaagent")) cmd.add(opt);
    cmd.addAll(EngineBench.CHILD_MEMORY_OPTS.stream().map(o -> o.startsWith("-Dorg.bytedeco.javacpp.maxbytes") ? "-Dorg.bytedeco.javacpp.maxbytes=6g" : o).toList());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), RecomputeBench.class.getName(), "--child", mode,
        "--seq", Integer.toString(seq), "--batch", Integer.toString(batch), "--steps", Integer.toString(steps),
        "--warmup", Integer.toString(warmup), "--threads", Integer.toString(threads)));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
    Process p = pb.start();
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    String[] lines = stdout.strip().split("\n");
    if (rc != 0 || !lines[lines.length - 1].startsWith("{"))
      throw new NomoatException(NomoatException.ExitCode.FAILURE, "bench recompute: the measured JVM (recompute " + mode
          + ") failed with exit code " + rc + " (its error is above)");
    return new ObjectMapper().readValue(lines[lines.length - 1], LinkedHashMap.class);
  }

  /** One line per mode, and the saving and cost of the later modes against the first. */
  static String format(List<Map<String, Object>> rs) {
    StringBuilder sb = new StringBuilder();
    String hdr = String.format(Locale.ROOT, "%-10s%8s%10s%12s%18s%14s%10s", "recompute", "seq", "tok/s", "vs first", "workspaces MiB",
        "peak RSS MiB", "busy");
    sb.append(hdr).append('\n').append("-".repeat(hdr.length())).append('\n');
    Map<String, Object> first = rs.get(0);
    for (Map<String, Object> r : rs)
      sb.append(String.format(Locale.ROOT, "%-10s%8d%10.0f%11.2fx%18.1f%14.0f%9.0f%%%n", r.get("recompute"), ((Number) r.get("seq")).intValue(),
          num(r, "tokens_per_s_median"), num(r, "tokens_per_s_median") / num(first, "tokens_per_s_median"),
          num(r, "workspace_bytes") / (1 << 20), num(r, "peak_rss_mib"), 100 * num(r, "foreign_cpu_share_during_run")));
    return sb.toString();
  }

  private static double num(Map<String, Object> m, String key) { return ((Number) m.get(key)).doubleValue(); }
}
