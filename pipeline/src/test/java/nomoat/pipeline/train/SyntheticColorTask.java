package nomoat.pipeline.train;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import nomoat.pipeline.data.TokenizedExample;

/**
 * A tiny instruction task with a rule a small model can learn and apply to unseen combinations:
 * "Q: Tom has a red cat. What color is the cat? A: The cat is red." Only the answer (and EOS) is trained.
 */
final class SyntheticColorTask implements AutoCloseable {
  private static final String[] NAMES = {"Tom", "Lily", "Sam", "Anna", "Ben", "Mia", "Max", "Sue", "Tim", "Lucy"};
  private static final String[] COLORS = {"red", "blue", "green", "pink", "brown", "yellow", "white", "black"};
  private static final String[] THINGS = {"cat", "dog", "ball", "bird", "car", "hat", "fish", "box", "cup", "bed"};

  private final HuggingFaceTokenizer tokenizer;
  private final int bos, eos;

  SyntheticColorTask(byte[] tokenizerJson, int bos, int eos) throws IOException {
    this.tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), Map.of());
    this.bos = bos;
    this.eos = eos;
  }

  /** {prompt, answer} pairs: {@code count} distinct ones from {@code seed}, none of them in {@code exclude}. */
  static List<String[]> pairs(long seed, int count, Set<String> exclude) {
    Random rnd = new Random(seed);
    Set<String> seen = new LinkedHashSet<>(exclude);
    List<String[]> out = new ArrayList<>();
    while (out.size() < count) {
      String name = NAMES[rnd.nextInt(NAMES.length)], color = COLORS[rnd.nextInt(COLORS.length)];
      String thing = THINGS[rnd.nextInt(THINGS.length)];
      String prompt = "Q: " + name + " has a " + color + " " + thing + ". What color is the " + thing + "? A:";
      if (!seen.add(prompt)) continue;
      out.add(new String[] {prompt, "The " + thing + " is " + color + "."});
    }
    return out;
  }

  /** BOS + prompt + answer + EOS; labels only on the answer and EOS. */
  TokenizedExample tokenize(String[] pair, int index) {
    int[] prompt = ids(pair[0]), answer = ids(pair[1]);
    int n = 1 + prompt.length + answer.length + 1;
    int[] ids = new int[n], labels = new int[n];
    Arrays.fill(labels, TokenizedExample.IGNORE);
    ids[0] = bos;
    System.arraycopy(prompt, 0, ids, 1, prompt.length);
    System.arraycopy(answer, 0, ids, 1 + prompt.length, answer.length);
    ids[n - 1] = eos;
    for (int i = 1 + prompt.length; i < n; i++) labels[i] = ids[i];
    return new TokenizedExample("synthetic-" + index, "synthetic", ids, labels, false);
  }

  List<TokenizedExample> tokenizeAll(List<String[]> pairs) {
    List<TokenizedExample> out = new ArrayList<>();
    for (int i = 0; i < pairs.size(); i++) out.add(tokenize(pairs.get(i), i));
    return out;
  }

  private int[] ids(String text) {
    return Arrays.stream(tokenizer.encode(text, false, false).getIds()).mapToInt(Math::toIntExact).toArray();
  }

  @Override
  public void close() { tokenizer.close(); }
}
