package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.config.ConfigLoader;
import nomoat.pipeline.config.NomoatConfig;
import nomoat.pipeline.format.PeftAdapterDir;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.model.LoraInit;
import nomoat.pipeline.model.Batch;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.shard.ShardReader;
import nomoat.pipeline.shard.ShardRow;
import nomoat.pipeline.train.AdapterParams;
import nomoat.pipeline.train.DataPlan;
import nomoat.pipeline.train.LocalTrainer;
import nomoat.pipeline.train.MicroBatches;
import nomoat.pipeline.train.ModelCache;
import nomoat.pipeline.train.OptimizerState;
import nomoat.pipeline.train.TrainInputs;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** train on local Spark over the real stories260K model and a prepared generated dataset. */
@Tag("integration")
class TrainJobTest {
  @TempDir Path tmp;

  static List<String> base(String data, String output, String... more) {
    List<String> o = new ArrayList<>(List.of("model.path=" + TrainFixtures.MODEL, "train.data=" + data, "train.output=" + output,
        "lora.r=4", "lora.alpha=8", "lora.dropout=0.1", "lora.targets=[q_proj, v_proj, down_proj]",
        "train.micro-batch=4", "train.lr=1e-2", "train.warmup=1", "train.log-every=2", "train.length-window=4"));
    o.addAll(List.of(more));
    return o;
  }

  static TrainJob.Summary train(List<String> overrides) {
    NomoatConfig c = ConfigLoader.load((Path) null, overrides);
    return TrainJob.run(LocalSpark.get(), c, false, new PrintWriter(new StringWriter()));
  }

  static LoraAdapter adapter(String output) {
    return PeftAdapterDir.read(new Configuration(), output + "/adapter");
  }

  static double maxDiff(LoraAdapter x, LoraAdapter y) {
    Map<String, INDArray> a = AdapterParams.of(x), b = AdapterParams.of(y);
    assertEquals(a.keySet(), b.keySet());
    double max = 0;
    for (String k : a.keySet()) max = Math.max(max, a.get(k).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
        .sub(b.get(k).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)).amaxNumber().doubleValue());
    return max;
  }

  @Test
  void twoWorkersEqualOneWorkerAccumulatingTwoMicroBatches() throws Exception {
    String data = TrainFixtures.prepared();
    String two = tmp.resolve("two").toUri().toString(), one = tmp.resolve("one").toUri().toString();
    TrainJob.Summary s2 = train(base(data, two, "train.workers=2", "train.grad-accum=1", "train.max-steps=5"));
    TrainJob.Summary s1 = train(base(data, one, "train.workers=1", "train.grad-accum=2", "train.max-steps=5"));
    assertEquals(5, s2.steps());
    assertTrue(Files.exists(tmp.resolve("two/_SUCCESS")));
    assertTrue(Files.exists(tmp.resolve("two/adapter/adapter_model.safetensors")));
    assertTrue(Files.exists(tmp.resolve("two/run.json")));
    List<String> lines = Files.readAllLines(tmp.resolve("two/metrics.jsonl"));
    assertEquals(5, lines.size());
    assertTrue(lines.get(4).contains("\"val_loss\""), "validation loss after the last step: " + lines.get(4));
    assertTrue(lines.get(0).contains("\"padding_share\""));
    double diff = maxDiff(adapter(two), adapter(one));
    assertTrue(diff <= 1e-6, "2 workers x 1 vs 1 worker x 2: max |diff| " + diff);
    assertTrue(maxDiff(adapter(two), LoraInit.create(adapter(two).spec(), ModelCache.get(new Configuration(), TrainFixtures.MODEL).config(), 42)) > 1e-3,
        "training moved the adapter");
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0} workers x {1} micro-batches")
  @org.junit.jupiter.params.provider.CsvSource({"2, 2", "4, 1"})
  void distributedTrainingEqualsLocalTrainerOnTheSameBatches(int workers, int accum) throws Exception {
    String data = TrainFixtures.prepared();
    String out = tmp.resolve("dist").toUri().toString();
    int steps = 4, micro = 4;
    train(base(data, out, "train.workers=" + workers, "train.grad-accum=" + accum, "train.max-steps=" + steps, "train.schedule=cosine",
        "train.weight-decay=0.01"));

    // the same steps in one JVM: the plan's micro-batches in order, through LocalTrainer
    Configuration conf = new Configuration();
    NomoatConfig c = ConfigLoader.load((Path) null, base(data, out, "train.workers=" + workers, "train.grad-accum=" + accum,
        "train.max-steps=" + steps, "train.schedule=cosine", "train.weight-decay=0.01"));
    TrainInputs in = TrainInputs.openData(conf, data);
    List<ShardRow> rows = new ArrayList<>();
    for (String shard : in.trainShards()) rows.addAll(ShardReader.readAll(conf, shard));
    int[] lengths = rows.stream().mapToInt(ShardRow::numTokens).toArray();
    LlamaModel model = ModelCache.get(conf, TrainFixtures.MODEL);
    LoraAdapter adapter = LoraInit.create(c.lora().spec(), model.config(), c.lora().initSeed());
    LocalTrainer trainer = new LocalTrainer(model, List.of(), adapter, OptimizerState.zerosLike(AdapterParams.of(adapter)),
        TrainJob.settings(c.train(), steps));
    DataPlan plan = DataPlan.epoch(lengths, micro, 4, 42, 0, workers, accum);
    for (int s = 0; s < steps; s++) {
      List<Batch> batches = new ArrayList<>();
      for (int j = 0; j < workers * accum; j++) {
        List<ShardRow> mb = new ArrayList<>();
        for (int r : plan.rows(s, j)) mb.add(rows.get(r));
        batches.add(MicroBatches.build(mb).batch());
      }
      trainer.step(batches);
    }
    double diff = maxDiff(adapter(out), trainer.adapter());
    assertTrue(diff <= 1e-6, "distributed vs LocalTrainer: max |diff| " + diff);
  }

  @Test
  void packedShardsTrain() throws Exception {
    String packed = TrainFixtures.prepare("packed", TrainFixtures.tokenizerDir(), true);
    String out = tmp.resolve("packed-out").toUri().toString();
    TrainJob.Summary s = train(base(packed, out, "train.workers=2", "train.micro-batch=1", "train.max-steps=2"));
    assertEquals(2, s.steps());
    assertTrue(Double.isFinite(s.loss()));
  }
}
