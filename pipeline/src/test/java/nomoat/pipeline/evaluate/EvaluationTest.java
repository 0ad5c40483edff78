package nomoat.pipeline.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluationTest {
  @Test
  void variantsAreTheBaseThenEachPrefixOfTheAdapters() {
    List<Evaluation.Variant> v = Evaluation.variants(List.of("hdfs://nn/runs/style/adapter", "/runs/2026-12-05/train/adapter/", "s3a://b/x/math"));
    assertEquals(List.of("base", "base + style", "base + style + train", "base + style + train + math"),
        v.stream().map(Evaluation.Variant::name).toList());
    assertEquals(List.of(), v.get(0).adapters());
    assertEquals(List.of("hdfs://nn/runs/style/adapter", "/runs/2026-12-05/train/adapter/"), v.get(2).adapters());
    assertEquals(List.of("base"), Evaluation.variants(List.of()).stream().map(Evaluation.Variant::name).toList());
  }

  @Test
  void perplexityIsExpOfTheMeanLoss() {
    Evaluation.Score s = new Evaluation.Score(new Evaluation.Variant("base", List.of()), 69.0, 30);
    assertEquals(2.3, s.loss(), 1e-15);
    assertEquals(Math.exp(2.3), s.perplexity(), 1e-12);
    Map<String, Object> json = Evaluation.summary(Map.of("split", "validation"), List.of(s, new Evaluation.Score(s.variant(), 0, 0)));
    @SuppressWarnings("unchecked") List<Map<String, Object>> variants = (List<Map<String, Object>>) json.get("variants");
    assertEquals(2.3, (double) variants.get(0).get("loss"), 1e-15);
    assertEquals(null, variants.get(1).get("loss"));        // no tokens: no number, not NaN in JSON
    assertEquals("validation", json.get("split"));
  }
}
