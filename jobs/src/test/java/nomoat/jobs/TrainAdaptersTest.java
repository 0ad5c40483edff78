package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import nomoat.pipeline.format.PeftAdapterDir;
import nomoat.pipeline.format.Safetensors;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LoraInit;
import nomoat.pipeline.model.TinyModels;
import nomoat.pipeline.train.ModelCache;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** model.adapters (stack | merge) and train.init-adapter in real train runs on local Spark. */
@Tag("integration")
class TrainAdaptersTest {
  static final Configuration CONF = new Configuration();
  @TempDir Path tmp;

  static LlamaConfig model() { return ModelCache.get(CONF, TrainFixtures.MODEL).config(); }

  String write(String name, LoraAdapter a) {
    String dir = tmp.resolve(name).toUri().toString();
    PeftAdapterDir.write(CONF, dir, a, TrainFixtures.MODEL, Safetensors.Dtype.F32);
    return dir;
  }

  static String[] adapters(String dir, String mode) {
    return new String[] {"model.adapters=[{path = \"" + dir + "\", mode = " + mode + "}]"};
  }

  static String firstLoss(String output) throws Exception {
    String line = Files.readAllLines(Path.of(java.net.URI.create(output + "/metrics.jsonl"))).get(0);
    return line.replaceAll(".*\"loss\" *: *([-0-9.eE]+).*", "$1");
  }

  @Test
  void aStackedAdapterTrainsLikeItsMergedBaseAndOnlyTheTrainedAdapterIsWritten() throws Exception {
    String data = TrainFixtures.prepared();
    // frozen beside the trained one: other modules (k, up) and one it shares (q), another rank
    LoraAdapter extra = TinyModels.adapter(model(), new LoraSpec(2, 4, 0, Set.of("k_proj", "up_proj", "q_proj"), null, false), DataType.FLOAT, 9);
    String dir = write("extra", extra);
    String stacked = tmp.resolve("stacked").toUri().toString(), merged = tmp.resolve("merged").toUri().toString();
    String plain = tmp.resolve("plain").toUri().toString();
    // AdamW with a large eps: tiny gradients move values in proportion, not by ±lr, so float rounding (merged weights
    // vs. a separate delta) stays at rounding size in the adapter too
    List<String> common = List.of("train.workers=2", "train.max-steps=3", "train.eps=1e-3");
    TrainJobTest.train(with(TrainJobTest.base(data, stacked, common.toArray(String[]::new)), adapters(dir, "stack")));
    TrainJobTest.train(with(TrainJobTest.base(data, merged, common.toArray(String[]::new)), adapters(dir, "merge")));
    TrainJobTest.train(TrainJobTest.base(data, plain, common.toArray(String[]::new)));

    LoraAdapter s = TrainJobTest.adapter(stacked), m = TrainJobTest.adapter(merged), p = TrainJobTest.adapter(plain);
    assertEquals(LoraInit.create(s.spec(), model(), 42).a().keySet(), s.a().keySet(), "the output is the trained adapter alone");
    assertEquals(4, s.spec().r());
    assertEquals(Set.of("q_proj", "v_proj", "down_proj"), s.spec().targetModules());
    double sm = TrainJobTest.maxDiff(s, m), sp = TrainJobTest.maxDiff(s, p);
    System.out.println("stacked vs merged max |diff| " + sm + ", stacked vs plain " + sp);
    assertTrue(sm <= 1e-5, "stacked vs merged: max |diff| " + sm + " (vs plain " + sp + ")");
    assertTrue(sp > 100 * Math.max(sm, 1e-7), "the stacked adapter changed training: vs plain " + sp + ", vs merged " + sm);
    assertEquals(Double.parseDouble(firstLoss(merged)), Double.parseDouble(firstLoss(stacked)), 1e-5);
    assertNotEquals(firstLoss(plain), firstLoss(stacked));
    String runJson = Files.readString(tmp.resolve("stacked/run.json"));
    assertTrue(runJson.replace(" ", "").contains("\"mode\":\"stack\"") && runJson.contains("fingerprint_sha256"), runJson);
  }

  @Test
  void initAdapterContinuesFromTheGivenWeights() throws Exception {
    String data = TrainFixtures.prepared();
    LoraSpec spec = new LoraSpec(4, 8, 0, Set.of("q_proj", "v_proj", "down_proj"), null, false);   // as TrainJobTest.base's lora.*
    LoraAdapter saved = TinyModels.adapter(model(), spec, DataType.FLOAT, 10);
    String dir = write("saved", saved);
    String out = tmp.resolve("continued").toUri().toString();
    double lr = 1e-4;
    TrainJobTest.train(TrainJobTest.base(data, out, "train.workers=2", "train.max-steps=1", "train.warmup=0", "train.lr=" + lr,
        "train.weight-decay=0", "train.init-adapter=\"" + dir + "\""));
    LoraAdapter continued = TrainJobTest.adapter(out);
    double moved = TrainJobTest.maxDiff(continued, saved);
    // one AdamW step moves each value by at most about lr; a fresh start (B = 0) is far away
    assertTrue(moved > 0 && moved <= 1.01 * lr, "one step from the saved weights: max |diff| " + moved);
    assertTrue(TrainJobTest.maxDiff(continued, LoraInit.create(spec, model(), 42)) > 0.1, "not a fresh adapter");
    assertTrue(Files.readString(tmp.resolve("continued/run.json")).contains("\"init_adapter\""));
  }

  static List<String> with(List<String> base, String... more) {
    List<String> all = new java.util.ArrayList<>(base);
    all.addAll(List.of(more));
    return all;
  }
}
