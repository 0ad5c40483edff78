package nomoat.pipeline.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.model.EngineOptions;
import org.junit.jupiter.api.Test;

class EngineSettingsTest {
  private static EngineSettings load(String... overrides) {
    return EngineSettings.from(ConfigLoader.load((Path) null, List.of(overrides)).raw());
  }

  @Test
  void defaultsAreTheEngineDefaults() {
    EngineSettings s = load();
    assertEquals(new EngineSettings(0, EngineOptions.GemmPath.OPENBLAS, true, 256), s);
    assertEquals(EngineOptions.defaults(), s.options());      // threads 0 = every available processor
  }

  @Test
  void overridesBecomeOptions() {
    EngineOptions o = load("engine.threads=1", "engine.gemm=nd4j", "engine.workspaces=false", "engine.attention-tile-rows=64").options();
    assertEquals(new EngineOptions(1, EngineOptions.GemmPath.ND4J, false, 64), o);
  }

  @Test
  void badValuesNameTheKey() {
    for (String bad : new String[] {"engine.threads=-1", "engine.threads=1.5", "engine.gemm=cublas", "engine.attention-tile-rows=0"}) {
      NomoatException e = assertThrows(NomoatException.class, () -> load(bad), bad);
      String key = bad.substring(0, bad.indexOf('='));
      assertTrue(e.getMessage().contains(key), e.getMessage());
    }
    NomoatException typo = assertThrows(NomoatException.class, () -> load("engine.thread=2"));
    assertTrue(typo.getMessage().contains("thread"), typo.getMessage());
    assertFalse(load("engine.workspaces=false").workspaces());
  }
}
