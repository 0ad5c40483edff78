package nomoat.pipeline.shard;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.data.TokenizedExample;
import org.junit.jupiter.api.Test;

class PackerTest {
  static final int IGNORE = TokenizedExample.IGNORE;

  /** Token ids encode (example, position) so every token can be traced back. */
  static TokenizedExample example(int k, int len, String source) {
    int[] ids = new int[len];
    int[] labels = new int[len];
    for (int t = 0; t < len; t++) {
      ids[t] = k * 10_000 + t;
      labels[t] = t % 3 == 0 ? IGNORE : ids[t];
    }
    return new TokenizedExample("ex" + k, source, ids, labels, false);
  }

  static List<TokenizedExample> randomExamples(Random rnd, int n, int maxLen) {
    List<TokenizedExample> out = new ArrayList<>();
    for (int k = 0; k < n; k++) out.add(example(k, 1 + rnd.nextInt(maxLen), k % 2 == 0 ? "a" : "b"));
    return out;
  }

  @Test
  void packedRowsKeepEveryTokenOnceInOrderWithinSeqLen() {
    Random rnd = new Random(5);
    List<TokenizedExample> examples = randomExamples(rnd, 3000, 300);
    int seqLen = 512;
    List<ShardRow> rows = Packer.packed(seqLen, 200).pack(examples);
    Map<String, TokenizedExample> byId = new HashMap<>();
    examples.forEach(e -> byId.put(e.exampleId(), e));
    Map<String, Integer> seen = new HashMap<>();
    for (ShardRow row : rows) {
      assertTrue(row.numTokens() <= seqLen, row.toString());
      String[] ids = row.exampleId().split(",");
      int at = 0;
      int lastIndex = -1;
      for (int s = 0; s < ids.length; s++) {
        TokenizedExample e = byId.get(ids[s]);
        int index = Integer.parseInt(ids[s].substring(2));
        assertTrue(index > lastIndex, "examples inside a row keep input order");
        lastIndex = index;
        seen.merge(ids[s], 1, Integer::sum);
        for (int t = 0; t < e.numTokens(); t++) {
          assertEquals(e.inputIds()[t], row.inputIds()[at + t]);
          assertEquals(t == 0 ? IGNORE : e.labels()[t], row.labels()[at + t], "first label of each segment is masked");
          assertEquals(s + 1, row.segmentIds()[at + t]);
          assertEquals(t, row.positionIds()[at + t]);
        }
        at += e.numTokens();
      }
      assertEquals(row.numTokens(), at);
    }
    assertEquals(examples.size(), seen.size());
    assertTrue(seen.values().stream().allMatch(c -> c == 1), "every example exactly once");
    assertEquals(rows, Packer.packed(seqLen, 200).pack(examples), "deterministic");
  }

  @Test
  void sourcesAreDistinctInOrderAndExactFitsFill() {
    List<TokenizedExample> ex = List.of(example(0, 4, "b"), example(1, 3, "a"), example(2, 1, "b"));
    List<ShardRow> rows = Packer.packed(8, 10).pack(ex);
    assertEquals(1, rows.size());
    ShardRow r = rows.get(0);
    assertEquals("ex0,ex1,ex2", r.exampleId());
    assertEquals("b,a", r.source());
    assertArrayEquals(new int[] {1, 1, 1, 1, 2, 2, 2, 3}, r.segmentIds());
    assertArrayEquals(new int[] {0, 1, 2, 3, 0, 1, 2, 0}, r.positionIds());
    assertArrayEquals(new int[] {IGNORE, 1, 2, IGNORE, IGNORE, 10_001, 10_002, IGNORE}, r.labels());
  }

  @Test
  void firstFitDecreasingBeatsGreedyOrderAndRespectsTheWindow() {
    // Greedy in input order would need 3 rows of 10 (6 | 6 | 4+4); FFD needs 2 (6+4, 6+4).
    List<TokenizedExample> ex = List.of(example(0, 6, "a"), example(1, 6, "a"), example(2, 4, "a"), example(3, 4, "a"));
    List<ShardRow> rows = Packer.packed(10, 4).pack(ex);
    assertEquals(List.of("ex0,ex2", "ex1,ex3"), rows.stream().map(ShardRow::exampleId).toList());
    // A window of 2 packs {0,1} and {2,3} separately.
    assertEquals(List.of("ex0", "ex1", "ex2,ex3"), Packer.packed(10, 2).pack(ex).stream().map(ShardRow::exampleId).toList());
  }

  @Test
  void unpackedIsOneExamplePerRowUntouched() {
    List<TokenizedExample> ex = randomExamples(new Random(6), 50, 40);
    List<ShardRow> rows = Packer.unpacked().pack(ex);
    assertEquals(50, rows.size());
    for (int i = 0; i < 50; i++) {
      assertEquals(ShardRow.of(ex.get(i)), rows.get(i));
      assertNull(rows.get(i).segmentIds());
      assertArrayEquals(ex.get(i).labels(), rows.get(i).labels());
    }
  }

  @Test
  void exampleLongerThanSeqLenIsAnErrorNamingIt() {
    List<TokenizedExample> ex = List.of(example(0, 5, "a"), example(1, 9, "src"));
    NomoatException e = assertThrows(NomoatException.class, () -> Packer.packed(8, 10).pack(ex));
    assertEquals("example ex1 from src has 9 tokens, more than seq_len 8 (the length policy should have cut or rejected it)", e.getMessage());
  }
}
