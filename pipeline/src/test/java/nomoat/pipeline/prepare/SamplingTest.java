package nomoat.pipeline.prepare;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import nomoat.pipeline.data.TokenizedExample;
import org.junit.jupiter.api.Test;

class SamplingTest {

  @Test
  void keysAreStableAndSeedDependent() {
    assertEquals(ExampleKeys.key(1, "split", "abc"), ExampleKeys.key(1, "split", "abc"));
    assertNotEquals(ExampleKeys.key(1, "split", "abc"), ExampleKeys.key(2, "split", "abc"));
    assertNotEquals(ExampleKeys.key(1, "split", "abc"), ExampleKeys.key(1, "order", "abc"));
  }

  @Test
  void fractionSplitIsCloseToTheFractionAndDeterministic() {
    SplitRule rule = SplitRule.byFraction(42, 0.1);
    int val = 0;
    for (int i = 0; i < 100_000; i++) if (rule.isValidation("ex" + i)) val++;
    assertEquals(10_000, val, 400);
    int again = 0;
    for (int i = 0; i < 100_000; i++) if (SplitRule.byFraction(42, 0.1).isValidation("ex" + i)) again++;
    assertEquals(val, again);
  }

  @Test
  void weightsKeepTheExpectedShareWithDistinctIds() {
    long total = 0;
    for (int i = 0; i < 20_000; i++) total += SourceWeighting.copies(2.25, 7, "id" + i);
    assertEquals(45_000, total, 600);
    TokenizedExample e = new TokenizedExample("x", "s", new int[] {1, 2}, new int[] {-100, 2}, false);
    List<TokenizedExample> copies = SourceWeighting.apply(e, 3.0, 7);
    Set<String> ids = new HashSet<>();
    copies.forEach(c -> ids.add(c.exampleId()));
    assertEquals(Set.of("x", "x#2", "x#3"), ids);
    long kept = 0;
    for (int i = 0; i < 20_000; i++) kept += SourceWeighting.copies(0.3, 7, "id" + i);
    assertEquals(6_000, kept, 300);
  }

  @Test
  void copiesShareTheirOriginalsSplit() {
    SplitRule rule = SplitRule.byFraction(3, 0.5);
    for (int i = 0; i < 1000; i++) {
      assertEquals(rule.isValidation("id" + i), rule.isValidation("id" + i + "#2"));
      assertEquals(rule.isValidation("id" + i), rule.isValidation("id" + i + "#7"));
    }
    assertEquals("abc", SourceWeighting.baseId("abc#3"));
  }

  @Test
  void contentKeySeesEveryTokenAndLabel() {
    long a = ExampleKeys.content(new int[] {1, 2, 3}, new int[] {-100, 2, 3});
    assertEquals(a, ExampleKeys.content(new int[] {1, 2, 3}, new int[] {-100, 2, 3}));
    assertNotEquals(a, ExampleKeys.content(new int[] {1, 2, 4}, new int[] {-100, 2, 3}));
    assertNotEquals(a, ExampleKeys.content(new int[] {1, 2, 3}, new int[] {-100, -100, 3}));
  }

  @Test
  void shardPlan() {
    assertEquals(1, ShardPlan.shards(0, 0, 100));
    assertEquals(3, ShardPlan.shards(0, 201, 100));
    assertEquals(4, ShardPlan.shards(4, 1000, 100));
    assertEquals(2, ShardPlan.shards(4, 2, 100), "never more shards than rows");
    assertEquals("part-00012.parquet", ShardPlan.fileName(12));
  }
}
