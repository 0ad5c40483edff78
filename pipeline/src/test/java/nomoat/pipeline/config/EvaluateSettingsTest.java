package nomoat.pipeline.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import nomoat.pipeline.NomoatException;
import org.junit.jupiter.api.Test;

class EvaluateSettingsTest {
  private static EvaluateSettings load(String... overrides) {
    return ConfigLoader.load((Path) null, List.of(overrides)).evaluate();
  }

  @Test
  void defaults() {
    assertEquals(new EvaluateSettings("", "", "validation", null, 0, 8, List.of(), 64), load());
  }

  @Test
  void overridesAreTyped() {
    EvaluateSettings e = load("evaluate.data=hdfs://nn/runs/prepared", "evaluate.output=s3a://b/eval", "evaluate.split=train",
        "evaluate.train-output=/runs/train", "evaluate.workers=4", "evaluate.micro-batch=2", "evaluate.prompts=[\"Hi there\", \"Why?\"]",
        "evaluate.max-new-tokens=5");
    assertEquals(new EvaluateSettings("hdfs://nn/runs/prepared", "s3a://b/eval", "train", "/runs/train", 4, 2, List.of("Hi there", "Why?"), 5), e);
    e.requireDataAndOutput();
  }

  @Test
  void badValuesNameTheKey() {
    for (String bad : new String[] {"evaluate.split=test", "evaluate.workers=-1", "evaluate.micro-batch=0", "evaluate.max-new-tokens=0",
        "evaluate.prompts=[\" \"]", "evaluate.prompts=3"}) {
      NomoatException ex = assertThrows(NomoatException.class, () -> load(bad), bad);
      assertEquals(NomoatException.ExitCode.CONFIG, ex.exitCode(), bad);
      assertTrue(ex.getMessage().contains(bad.substring(0, bad.indexOf('='))), ex.getMessage());
    }
    NomoatException missing = assertThrows(NomoatException.class, () -> load("evaluate.output=/x").requireDataAndOutput());
    assertTrue(missing.getMessage().contains("evaluate.data is required"), missing.getMessage());
    missing = assertThrows(NomoatException.class, () -> load("evaluate.data=/x").requireDataAndOutput());
    assertTrue(missing.getMessage().contains("evaluate.output is required"), missing.getMessage());
  }
}
