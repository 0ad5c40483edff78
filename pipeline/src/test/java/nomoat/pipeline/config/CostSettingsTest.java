package nomoat.pipeline.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import nomoat.pipeline.NomoatException;
import org.junit.jupiter.api.Test;

class CostSettingsTest {
  static NomoatConfig load(String... overrides) {
    return ConfigLoader.load((Path) null, List.of(overrides));
  }

  @Test
  void unpricedByDefaultAndTypedWhenSet() {
    assertFalse(load().cost().prices().any());
    CostSettings c = load("cost.cpu-core-hour=0.04", "cost.gpu-hour=1.1", "cost.currency=EUR").cost();
    assertEquals(0.04, c.cpuCoreHour());
    assertEquals(1.1, c.gpuHour());
    assertEquals("EUR", c.prices().currency());
    assertEquals(65.0, load().estimate().stepMs());
    assertNull(load().estimate().benchJson());
  }

  @Test
  void badValuesNameTheKey() {
    NomoatException e = assertThrows(NomoatException.class, () -> load("cost.cpu-core-hour=-1"));
    assertTrue(e.getMessage().startsWith("cost.cpu-core-hour = -1"), e.getMessage());
    e = assertThrows(NomoatException.class, () -> load("cost.gpu-hour=cheap"));
    assertTrue(e.getMessage().contains("cost.gpu-hour"), e.getMessage());
    e = assertThrows(NomoatException.class, () -> load("estimate.probe-steps=0"));
    assertTrue(e.getMessage().contains("estimate.probe-steps"), e.getMessage());
    e = assertThrows(NomoatException.class, () -> load("cost.cpu-core-houre=1"));
    assertTrue(e.getMessage().contains("unknown key 'cost.cpu-core-houre'"), e.getMessage());
    assertTrue(e.getMessage().contains("did you mean 'cost.cpu-core-hour'"), e.getMessage());   // a key whose default is null is suggested too
  }
}
