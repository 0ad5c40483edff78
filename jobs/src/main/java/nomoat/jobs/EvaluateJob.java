package nomoat.jobs;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.EngineSettings;
import nomoat.pipeline.cost.ComputeUsage;
import nomoat.pipeline.cost.RunCost;
import nomoat.pipeline.config.EvaluateSettings;
import nomoat.pipeline.data.template.TemplateName;
import nomoat.pipeline.config.NomoatConfig;
import nomoat.pipeline.evaluate.Evaluation;
import nomoat.pipeline.evaluate.SampleGenerations;
import nomoat.pipeline.format.PeftAdapterDir;
import nomoat.pipeline.io.CommittedOutput;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.model.WeightStorage;
import nomoat.pipeline.tokenize.HfTokenizer;
import nomoat.pipeline.train.AdapterBytes;
import nomoat.pipeline.train.DataPlan;
import nomoat.pipeline.train.ModelCache;
import nomoat.pipeline.train.ShardScan;
import nomoat.pipeline.train.TrainInputs;
import nomoat.pipeline.train.WorkerResult;
import nomoat.pipeline.train.WorkerRows;
import nomoat.pipeline.train.WorkerStep;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluate stage: validation loss and perplexity of the base model and of base + each prefix of the adapters, side
 * by side, scored the way train scores validation (one cached partition of rows per worker, {@link WorkerStep#evaluate}
 * against the executor's cached base model, loss sums and token counts added by {@code treeAggregate}); then greedy
 * generations of {@code evaluate.prompts} on the driver. Commits evaluation.json, generations.jsonl and _SUCCESS.
 */
public final class EvaluateJob {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);

  private EvaluateJob() {}

  public record Summary(String split, long rows, List<Evaluation.Score> scores, List<Evaluation.Generation> generations, double seconds,
                        String output) {
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "evaluate: %d %s rows, %d tokens:", rows, split,
          scores.isEmpty() ? 0 : scores.get(0).tokens()));
      for (int i = 0; i < scores.size(); i++) {
        Evaluation.Score s = scores.get(i);
        sb.append(i == 0 ? " " : "; ").append(s.variant().name())
            .append(String.format(Locale.ROOT, " loss %.4f (perplexity %.2f)", s.loss(), s.perplexity()));
      }
      if (!generations.isEmpty()) sb.append("; ").append(generations.size()).append(" prompts generated");
      return sb.append(String.format(Locale.ROOT, " in %.1f s -> %s", seconds, output)).toString();
    }
  }

  public static Summary run(SparkSession spark, NomoatConfig config, boolean force, PrintWriter console) {
    long t0 = System.nanoTime();
    EvaluateSettings e = config.evaluate();
    e.requireDataAndOutput();
    String modelUri = config.model().requirePath();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hadoop = jsc.hadoopConfiguration();

    List<String> adapterPaths = Evaluation.adapterPaths(hadoop, config.model(), e);
    List<String> inputs = new ArrayList<>(List.of(e.data(), modelUri));
    inputs.addAll(adapterPaths);
    if (e.trainOutput() != null) inputs.add(e.trainOutput());
    CommittedOutput out = CommittedOutput.begin(hadoop, e.output(), force, inputs);
    List<Broadcast<?>> broadcasts = new ArrayList<>();
    JavaRDD<WorkerRows> rows = null;
    SparkAccounting acct = SparkAccounting.start(jsc.sc(), ComputeUsage.NONE);   // the compute this evaluation uses
    try {
      TrainInputs in = TrainInputs.openData(hadoop, e.data(), "evaluate.data");
      EngineSettings engine = config.engine();
      WeightStorage storage = config.model().weightsDtype();
      ModelCache.Entry base = ModelCache.entry(hadoop, modelUri, storage, "", l -> new LlamaModel(l.weights()));
      in.checkTokenizer(hadoop, base.loaded(), modelUri, "evaluate.data");
      in.warnings().forEach(LOG::warn);
      List<LoraAdapter> adapters = new ArrayList<>();
      for (String p : adapterPaths) adapters.add(PeftAdapterDir.read(hadoop, p, base.loaded().config()));
      List<Evaluation.Variant> variants = Evaluation.variants(adapterPaths);

      boolean validation = e.split().equals("validation");
      List<String> shards = validation ? in.validationShards() : in.trainShards();
      List<Long> rowCounts = validation ? in.validationRows() : in.trainRows();
      long total = rowCounts.stream().mapToLong(Long::longValue).sum();
      if (total == 0)
        throw NomoatException.inputData("evaluate.data " + e.data() + " has no " + e.split() + " rows"
            + (validation ? "; score the training rows with evaluate.split=train, or prepare with a validation split" : ""));
      int workers = e.workers() > 0 ? e.workers() : jsc.defaultParallelism();
      int vocab = base.loaded().config().vocabSize();

      Broadcast<SerializableConfiguration> confB = jsc.broadcast(new SerializableConfiguration(hadoop));
      broadcasts.add(confB);
      jsc.setJobDescription("nomoat evaluate: scan " + shards.size() + " " + e.split() + " shards");
      List<ShardScan> scans = jsc.parallelize(shards, shards.size()).map(u -> ShardScan.scan(confB.value().value(), u, vocab)).collect();
      int[] lengths = ShardScan.lengths(scans, rowCounts);
      List<int[]> plan = DataPlan.validation(lengths, e.microBatch());
      int[] owner = new int[lengths.length];
      for (int k = 0; k < plan.size(); k++) for (int r : plan.get(k)) owner[r] = k % workers;
      Broadcast<int[]> ownerB = jsc.broadcast(owner);
      broadcasts.add(ownerB);
      rows = TrainJob.byWorker(TrainJob.rows(jsc, shards, rowCounts, confB), ownerB, workers);

      List<Evaluation.Score> scores = new ArrayList<>();
      for (Evaluation.Variant v : variants) {
        List<LoraAdapter> active = adapters.subList(0, v.adapters().size());
        scores.add(score(jsc, rows, plan, workers, active, modelUri, storage, engine, confB, v));
        Evaluation.Score s = scores.get(scores.size() - 1);
        LOG.info("evaluate: {}: loss {} over {} tokens", v.name(), s.loss(), s.tokens());
      }

      List<Evaluation.Generation> generations = List.of();
      if (!e.prompts().isEmpty()) {
        HfTokenizer tokenizer = HfTokenizer.fromBytes(base.loaded().tokenizerJson(), base.loaded().tokenizerConfigJson());
        Object system = in.manifest().config() == null ? null : in.manifest().config().get("system-prompt");
        LlamaModel model = ModelCache.get(hadoop, modelUri, storage, engine.options());
        generations = SampleGenerations.run(model, tokenizer, TemplateName.parse(in.manifest().template()), system == null ? null : system.toString(),
            adapters, variants.size(), e.prompts(), e.maxNewTokens());
      }

      Map<String, Object> run = new LinkedHashMap<>();
      run.put("run_id", out.runId());
      run.put("finished", Instant.now().toString());
      run.put("data", e.data());
      run.put("split", e.split());
      run.put("rows", total);
      run.put("workers", workers);
      run.put("micro_batch", e.microBatch());
      run.put("model", modelUri);
      run.put("template", in.manifest().template());
      run.put("manifest_sha256", in.manifestSha256());
      run.put("versions", Map.of("nomoat", Main.version(), "spark", jsc.version(), "java", System.getProperty("java.version")));
      acct.settle();
      RunCost cost = new RunCost(config.cost().prices());
      run.putAll(cost.runJson(acct.usage(scores.stream().mapToLong(Evaluation.Score::tokens).sum(), 0)));
      Evaluation.writeSummary(hadoop, out.stagingDir(), Evaluation.summary(run, scores));
      Evaluation.writeGenerations(hadoop, out.stagingDir(), variants, generations);
      out.commit();
      Summary summary = new Summary(e.split(), total, scores, generations, (System.nanoTime() - t0) / 1e9, out.outputUri());
      LOG.info(summary.toString());
      return summary;
    } catch (RuntimeException ex) {
      out.abort();
      throw ex;
    } finally {
      acct.close();
      if (rows != null) rows.unpersist(false);
      for (Broadcast<?> b : broadcasts) if (b.isValid()) b.destroy();
    }
  }

  /** One variant's loss sum and token count: every worker scores its micro-batches, treeAggregate adds them. */
  private static Evaluation.Score score(JavaSparkContext jsc, JavaRDD<WorkerRows> rows, List<int[]> plan, int workers,
                                        List<LoraAdapter> adapters, String modelUri, WeightStorage storage, EngineSettings engine,
                                        Broadcast<SerializableConfiguration> confB, Evaluation.Variant variant) {
    List<byte[]> bytes = new ArrayList<>();
    List<LoraSpec> specs = new ArrayList<>();
    for (LoraAdapter a : adapters) {
      bytes.add(AdapterBytes.encode(a));
      specs.add(a.spec());
    }
    Broadcast<List<byte[]>> adaptersB = jsc.broadcast(bytes);
    jsc.setJobDescription("nomoat evaluate: " + variant.name());
    try {
      WorkerResult r = rows.mapPartitionsWithIndex((w, it) -> {
        WorkerRows mine = it.hasNext() ? it.next() : new WorkerRows();
        LlamaModel model = ModelCache.get(confB.value().value(), modelUri, storage, engine.options());
        List<LoraAdapter> active = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) active.add(AdapterBytes.decode(specs.get(i), adaptersB.value().get(i)));
        return Collections.singletonList(WorkerStep.evaluate(model, active, mine, plan, w, workers)).iterator();
      }, true).treeAggregate(null, WorkerResult::merge, WorkerResult::merge, 2);
      return new Evaluation.Score(variant, r.sums().lossSum(), r.sums().tokens());
    } finally {
      adaptersB.destroy();
    }
  }
}
