package nomoat.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import nomoat.pipeline.model.RandomWeights;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.Batch;
import nomoat.pipeline.model.EngineOptions;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.train.AdamW;
import nomoat.pipeline.train.LocalTrainer;
import nomoat.pipeline.train.LrSchedule;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * One benchmark run inside a child JVM: random model, PEFT-initialised adapter, then warm-up plus measured
 * optimiser steps through {@link LocalTrainer} (forward + backward + AdamW at lr 1e-4, no clipping, as the peer).
 * Result keys match peer_bench.py's so both sides tabulate alike.
 */
final class TrainStepBench {
  private TrainStepBench() {}

  static Map<String, Object> run(BenchArgs a, BenchModel m, String targets) throws java.io.IOException {
    double rssStart = ProcessMemory.now().rssMib();
    LlamaConfig config = m.toLlamaConfig();
    // Converted from the FP32 draw (the same model in every mode); the FP32 copy is garbage once converted, and the
    // GC below frees its off-heap arrays before the steps start (peak RSS still counts the moment both existed).
    nomoat.pipeline.model.LlamaWeights weights = a.weightsDtype().apply(RandomWeights.llama(config, a.seed()));
    System.gc();
    LlamaModel model = new LlamaModel(weights,
        EngineOptions.defaults().withThreads(a.threads()).withGemm(a.gemm()));
    LoraSpec spec = new LoraSpec(a.r(), a.alpha(), 0.0, BenchModel.targets(targets), null, false);
    LoraAdapter adapter = nomoat.pipeline.model.LoraInit.create(spec, config, a.seed(), DataType.FLOAT);
    long loraParams = TrainBench.floats(adapter);
    LocalTrainer trainer = new LocalTrainer(model, adapter, new LocalTrainer.Settings(AdamW.withWeightDecay(0.0),
        new LrSchedule(LrSchedule.Kind.CONSTANT, 1e-4, 0, 0), 0.0, a.seed()));
    List<Batch> batches = randomBatches(m, a.seed() + 1, 4);
    double rssModel = ProcessMemory.now().rssMib();

    long tokens = (long) m.batch() * m.seq();
    int steps = a.stepsFor(m.name());
    double[] times = new double[steps];
    List<Double> losses = new ArrayList<>();
    // warm-up: the fixed steps, then (jit-settle) until the JIT compiler has been idle for 3 steps. HotSpot compiles
    // the hot kernels and ND4J's call paths during the first steps, on the same cores the step runs on.
    JitSettle jit = new JitSettle();
    List<Double> warmTimes = new ArrayList<>();
    long warmStart = System.nanoTime();
    int s = 0;
    while (s < a.warmup() || (s < a.warmup() + a.jitSettle() && !jit.settled())) {
      long t0 = System.nanoTime();
      losses.add(trainer.step(List.of(batches.get(s % batches.size()))).loss());
      double dt = (System.nanoTime() - t0) / 1e9;
      warmTimes.add(dt);
      jit.stepDone(dt);
      s++;
    }
    double warmSeconds = (System.nanoTime() - warmStart) / 1e9;
    double compileMsBefore = jit.compileMs();
    CpuShare cpu = new CpuShare();
    StepProfile profile = a.profile() ? new StepProfile() : null;
    for (int i = 0; i < steps; i++, s++) {
      long t0 = System.nanoTime();
      LocalTrainer.StepMetrics r = trainer.step(List.of(batches.get(s % batches.size())));
      times[i] = (System.nanoTime() - t0) / 1e9;
      losses.add(r.loss());
    }
    double foreign = cpu.foreignShare();
    Map<String, Object> where = null;
    if (profile != null) {
      where = profile.finish();
      profile.close();
    }
    double med = Stats.median(times);
    FlopEstimate f = FlopEstimate.of(m, loraParams);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("kind", "train");
    out.put("config", m.name());
    out.put("targets", targets);
    out.put("hidden", m.hidden());
    out.put("layers", m.layers());
    out.put("heads", m.heads());
    out.put("intermediate", m.intermediate());
    out.put("vocab", m.vocab());
    out.put("seq", m.seq());
    out.put("batch", m.batch());
    out.put("r", a.r());
    out.put("weights_dtype", a.weightsDtype().cliName);
    out.put("weights_bytes", weights.storedBytes());
    out.put("alpha", a.alpha());
    out.put("params_total", model.weights().storedTensors().values().stream().mapToLong(t -> t.rows() * t.columns()).sum() + loraParams);
    out.put("params_matmul", f.matmulParams());
    out.put("params_lora", loraParams);
    out.put("steps_measured", steps);
    out.put("warmup", a.warmup());
    out.put("warmup_steps_run", warmTimes.size());
    out.put("warmup_s", warmSeconds);
    out.put("jit_settled", jit.settled());
    out.put("jit_compile_ms_in_warmup", compileMsBefore);
    out.put("jit_compile_ms_in_measured_steps", jit.compileMs() - compileMsBefore);
    int cold = Math.min(warmTimes.size(), Math.max(1, a.warmup()));
    out.put("cold_steps", cold);
    out.put("cold_tokens_per_s", cold * (double) tokens / warmTimes.subList(0, cold).stream().mapToDouble(Double::doubleValue).sum());
    out.put("step_s_median", med);
    out.put("step_s_min", java.util.Arrays.stream(times).min().orElseThrow());
    out.put("step_s_max", java.util.Arrays.stream(times).max().orElseThrow());
    out.put("tokens_per_s_median", tokens / med);
    out.put("flops_per_token", f.perToken());
    out.put("flops_fwd_per_token", f.forwardPerToken());
    out.put("flops_bwd_per_token", f.backwardPerToken());
    out.put("gflops_achieved", f.perToken() * tokens / med / 1e9);
    out.put("rss_start_mib", rssStart);
    out.put("rss_after_model_mib", rssModel);
    out.put("peak_rss_mib", ProcessMemory.now().peakRssMib());
    out.put("loss_first", losses.get(0));
    out.put("loss_last", losses.get(losses.size() - 1));
    out.put("threads", a.threads());
    out.put("foreign_cpu_share_during_run", foreign);
    if (where != null) out.put("profile", where);
    return out;
  }

  /** Uniform random token rows; every next-token position trained, as the peer's causal LM loss. */
  static List<Batch> randomBatches(BenchModel m, long seed, int count) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<Batch> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int[] ids = new int[m.batch() * m.seq()];
      for (int j = 0; j < ids.length; j++) ids[j] = rnd.nextInt(m.vocab());
      out.add(new Batch(m.batch(), m.seq(), ids, ids.clone(), null, null, null));
    }
    return out;
  }
}
