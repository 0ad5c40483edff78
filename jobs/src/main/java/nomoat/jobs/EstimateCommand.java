package nomoat.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import nomoat.pipeline.config.EstimateSettings;
import nomoat.pipeline.config.NomoatConfig;
import nomoat.pipeline.config.TrainSettings;
import nomoat.pipeline.estimate.Coordination;
import nomoat.pipeline.estimate.EngineProbe;
import nomoat.pipeline.estimate.Estimator;
import nomoat.pipeline.estimate.TrainingFlops;
import nomoat.pipeline.estimate.Workload;
import nomoat.pipeline.format.ModelLoader;
import nomoat.pipeline.io.Storage;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.train.TrainInputs;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Before training: expected tokens/s per executor, wall time on N executors and cost of a train run. No Spark. */
@Command(name = "estimate", mixinStandardHelpOptions = true,
    description = {"Predicts a train run before it starts: tokens/s per executor, wall time on N executors (coordination included)",
        "and cost at the cost block's prices, from prepare's manifest (train.data), the model's shape (model.path: a Hugging Face",
        "config.json is enough, or a GGUF header; no weights are read), the LoRA targets and a short measured probe of the engine",
        "on this machine (a scaled-down shape for big models, scaled by FLOPs). Prints how the estimate was made."})
final class EstimateCommand implements Callable<Integer> {
  @Mixin StageOptions options;

  @Option(names = "--executors", split = ",", paramLabel = "N",
      description = "Executor counts to predict for (default: estimate.executors or train.workers, and 1,2,4,...,64).")
  List<Integer> executors;

  @Option(names = "--json", description = "Print the estimate as one JSON object instead of the table.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    NomoatConfig config = options.load();
    TrainSettings t = config.train();
    EstimateSettings e = config.estimate();
    config.model().requirePath();
    if (t.data() == null || t.data().isBlank()) throw nomoat.pipeline.NomoatException.config("train.data is required (a committed prepare output)");
    Configuration hadoop = HadoopConf.from(config.spark());
    TrainInputs in = TrainInputs.openData(hadoop, t.data());
    LlamaConfig shape = ModelLoader.readConfig(hadoop, config.model().path());
    LoraSpec lora = TrainInputs.checkLora(config.lora(), shape);

    int configured = e.executors() > 0 ? e.executors() : t.workers() > 0 ? t.workers() : 8;
    int workers = t.workers() > 0 ? t.workers() : configured;
    Workload work = Workload.of(in.manifest(), workers, t.microBatch(), t.gradAccum(), t.epochs(), t.maxSteps());
    int rowLength = (int) Math.max(2, Math.min(shape.maxPositionEmbeddings(), Math.round(work.meanRowLength())));
    TrainingFlops flops = TrainingFlops.of(shape, lora, rowLength);

    int cores = e.executorCores() > 0 ? e.executorCores() : Runtime.getRuntime().availableProcessors();
    int threads = Math.min(cores, Runtime.getRuntime().availableProcessors());
    // local[N]: the run's tasks share this JVM and its cores, so the probe runs as many engines at once
    int taskCpus = Integer.parseInt(config.spark().conf().getOrDefault("spark.task.cpus", "1").trim());
    int atOnce = EngineProbe.enginesAtOnce(config.spark().master(), workers, taskCpus, Runtime.getRuntime().availableProcessors());
    EngineProbe probe = EngineProbe.run(EngineProbe.probeShape(shape, e.probeMaxParams()), lora, t.microBatch(), rowLength, threads,
        atOnce, e.probeSteps(), t.seed());

    Coordination coordination = new Coordination(e.stepMs(), e.perMbMs(), e.perTaskMs(), "defaults measured on local[2], README \"Cost\"");
    if (e.benchJson() != null)
      coordination = Coordination.fromBenchJson(e.benchJson(), Storage.readAllBytes(hadoop, e.benchJson(), 16 << 20), coordination);

    TreeSet<Integer> ns = new TreeSet<>();
    if (executors != null && !executors.isEmpty()) {
      for (int n : executors) if (n < 1) throw nomoat.pipeline.NomoatException.config("--executors " + n + ": must be >= 1");
      ns.addAll(executors);
    } else {
      ns.addAll(List.of(1, 2, 4, 8, 16, 32, 64));
      ns.add(configured);
    }
    Estimator.Estimate est = Estimator.estimate(config.model().path(), shape, lora.r(), flops, work, probe, cores, coordination,
        config.cost().prices(), List.copyOf(ns));
    PrintWriter out = spec.commandLine().getOut();
    if (json) out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(est.toMap()));
    else est.lines().forEach(out::println);
    out.flush();
    return 0;
  }
}
