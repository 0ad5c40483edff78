package nomoat.pipeline.train;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.ModelSettings;
import nomoat.pipeline.format.LoadedModel;
import nomoat.pipeline.format.ModelLoader;
import nomoat.pipeline.format.PeftAdapterDir;
import nomoat.pipeline.format.Safetensors;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.Batch;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.Scoring;
import nomoat.pipeline.model.TinyModels;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** model.adapters (merge | stack) and train.init-adapter on the real stories260K model, with their refusals. */
class BaseAdaptersTest {
  static final Configuration CONF = new Configuration();
  static final String MODEL = Fixtures.stories260K().toString();
  @TempDir Path tmp;

  static LoraSpec spec(int r, double alpha, Set<String> targets) { return new LoraSpec(r, alpha, 0, targets, null, false); }

  String write(String name, LoraAdapter a) {
    String dir = tmp.resolve(name).toUri().toString();
    PeftAdapterDir.write(CONF, dir, a, MODEL, Safetensors.Dtype.F32);
    return dir;
  }

  static ModelSettings settings(List<ModelSettings.AdapterRef> refs) { return new ModelSettings(MODEL, refs); }

  @Test
  void mergeFoldsIntoTheBaseAndStackKeepsItActiveWithTheSameLogits() {
    LoadedModel loaded = ModelLoader.load(CONF, MODEL);
    LlamaConfig c = loaded.config();
    LoraAdapter first = TinyModels.adapter(c, spec(2, 4, Set.of("q_proj", "v_proj")), DataType.FLOAT, 1);
    LoraAdapter second = TinyModels.adapter(c, spec(4, 4, Set.of("down_proj")), DataType.FLOAT, 2);
    String d1 = write("first", first), d2 = write("second", second);
    Batch batch = new Batch(1, 8, new int[] {1, 400, 22, 90, 7, 300, 12, 45}, new int[] {1, 400, 22, 90, 7, 300, 12, 45}, null, null, null);

    BaseAdapters merge = BaseAdapters.of(settings(List.of(new ModelSettings.AdapterRef(d1, "merge"), new ModelSettings.AdapterRef(d2, "merge"))));
    BaseAdapters stack = BaseAdapters.of(settings(List.of(new ModelSettings.AdapterRef(d1, "stack"), new ModelSettings.AdapterRef(d2, "stack"))));
    BaseAdapters mixed = BaseAdapters.of(settings(List.of(new ModelSettings.AdapterRef(d1, "merge"), new ModelSettings.AdapterRef(d2, "stack"))));
    assertEquals(List.of(d1, d2), merge.merge());
    assertEquals(List.of(d1), mixed.merge());
    assertEquals(List.of(d2), mixed.stack());

    BaseAdapters.Applied m = merge.apply(CONF, loaded), s = stack.apply(CONF, loaded), x = mixed.apply(CONF, loaded);
    assertTrue(m.stacked().isEmpty());
    assertEquals(2, s.stacked().size());
    INDArray merged = Scoring.logits(m.model(), List.of(), batch), stacked = Scoring.logits(s.model(), s.stacked(), batch);
    INDArray plain = Scoring.logits(BaseAdapters.NONE.apply(CONF, loaded).model(), List.of(), batch);
    assertTrue(merged.sub(plain).amaxNumber().doubleValue() > 1e-3, "the adapters change the model");
    assertEquals(0, merged.sub(stacked).amaxNumber().doubleValue(), 1e-4, "merged == stacked");
    assertEquals(0, merged.sub(Scoring.logits(x.model(), x.stacked(), batch)).amaxNumber().doubleValue(), 1e-4, "merged == mixed");

    assertEquals(stack.fingerprint(CONF), stack.fingerprint(CONF));
    assertNotEquals(stack.fingerprint(CONF), merge.fingerprint(CONF), "the mode is part of what a resumed run must share");
  }

  @Test
  void missingAndMisfitAdaptersAreRefusedNamingTheDirectory() {
    LoadedModel loaded = ModelLoader.load(CONF, MODEL);
    String missing = tmp.resolve("no-such-adapter").toUri().toString();
    NomoatException e = assertThrows(NomoatException.class,
        () -> BaseAdapters.of(settings(List.of(new ModelSettings.AdapterRef(missing, "stack")))).apply(CONF, loaded));
    assertEquals(NomoatException.ExitCode.INPUT_DATA, e.exitCode());
    assertTrue(e.getMessage().contains("no-such-adapter") && e.getMessage().contains("does not exist"), e.getMessage());

    // an adapter made for another model (hidden 16 instead of stories260K's 64)
    String other = write("other-model",
        TinyModels.adapter(TinyModels.gqa(), new LoraSpec(2, 4, 0, Set.of("q_proj"), List.of(0), false), DataType.FLOAT, 3));
    e = assertThrows(NomoatException.class,
        () -> BaseAdapters.of(settings(List.of(new ModelSettings.AdapterRef(other, "merge")))).apply(CONF, loaded));
    assertEquals(NomoatException.ExitCode.INPUT_DATA, e.exitCode());
    assertTrue(e.getMessage().contains("other-model") && e.getMessage().contains("do not fit the base weight"), e.getMessage());
  }

  @Test
  void initAdapterStartsFromTheFileAndMustMatchLora() {
    LoadedModel loaded = ModelLoader.load(CONF, MODEL);
    LlamaConfig c = loaded.config();
    LoraSpec spec = new LoraSpec(4, 8, 0.1, Set.of("q_proj", "v_proj"), null, false);
    LoraAdapter saved = TinyModels.adapter(c, new LoraSpec(4, 8, 0, Set.of("q_proj", "v_proj"), null, false), DataType.FLOAT, 4);
    String dir = write("init", saved);
    LoraAdapter init = BaseAdapters.initFrom(CONF, dir, spec, c, DataType.FLOAT);
    assertEquals(spec, init.spec(), "lora.* (e.g. dropout) governs training");
    assertEquals(saved.a().keySet(), init.a().keySet());
    for (String p : saved.a().keySet()) {
      assertEquals(saved.a().get(p), init.a().get(p));
      assertEquals(saved.b().get(p), init.b().get(p));
    }

    for (Object[] bad : new Object[][] {
        {new LoraSpec(8, 16, 0.1, Set.of("q_proj", "v_proj"), null, false), "r 4 vs lora.r 8"},
        {new LoraSpec(4, 8, 0.1, Set.of("q_proj", "k_proj"), null, false), "target_modules [q_proj, v_proj] vs lora.targets [k_proj, q_proj]"},
        {new LoraSpec(4, 8, 0.1, Set.of("q_proj", "v_proj"), List.of(0), false), "adapted layers [0, 1, 2, 3, 4] vs lora.layers [0]"},
        {new LoraSpec(4, 16, 0.1, Set.of("q_proj", "v_proj"), null, false), "scale 2.0"}}) {
      NomoatException e = assertThrows(NomoatException.class, () -> BaseAdapters.initFrom(CONF, dir, (LoraSpec) bad[0], c, DataType.FLOAT));
      assertEquals(NomoatException.ExitCode.CONFIG, e.exitCode());
      assertTrue(e.getMessage().startsWith("train.init-adapter " + dir + " does not fit lora.*") && e.getMessage().contains((String) bad[1]),
          e.getMessage());
    }
    NomoatException e = assertThrows(NomoatException.class,
        () -> BaseAdapters.initFrom(CONF, tmp.resolve("gone").toUri().toString(), spec, c, DataType.FLOAT));
    assertTrue(e.getMessage().contains("train.init-adapter") && e.getMessage().contains("gone"), e.getMessage());
  }
}
