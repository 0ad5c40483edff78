package nomoat.pipeline.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A generated instruction task that a small pretrained story model visibly lacks and LoRA teaches in minutes:
 * "Tom has a red cat. What color is the cat?" → "The cat is red." The demo and the learning tests train on it; 10 names x
 * 8 colors x 10 things give 800 questions, so a few hundred rows leave most of them unseen.
 */
public final class ColorTask {
  public static final List<String> NAMES = List.of("Tom", "Lily", "Sam", "Anna", "Ben", "Mia", "Max", "Sue", "Tim", "Lucy");
  public static final List<String> COLORS = List.of("red", "blue", "green", "pink", "brown", "yellow", "white", "black");
  public static final List<String> THINGS = List.of("cat", "dog", "ball", "bird", "car", "hat", "fish", "box", "cup", "bed");

  private ColorTask() {}

  public static String question(String name, String color, String thing) {
    return name + " has a " + color + " " + thing + ". What color is the " + thing + "?";
  }

  public static String answer(String color, String thing) {
    return "The " + thing + " is " + color + ".";
  }

  /** {@code count} Alpaca-format JSONL lines (instruction, empty input, output) drawn with {@code seed}. */
  public static List<String> alpacaJsonl(long seed, int count) {
    Random rnd = new Random(seed);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = NAMES.get(rnd.nextInt(NAMES.size())), color = COLORS.get(rnd.nextInt(COLORS.size()));
      String thing = THINGS.get(rnd.nextInt(THINGS.size()));
      lines.add("{\"instruction\": \"" + question(name, color, thing) + "\", \"input\": \"\", \"output\": \"" + answer(color, thing) + "\"}");
    }
    return lines;
  }
}
