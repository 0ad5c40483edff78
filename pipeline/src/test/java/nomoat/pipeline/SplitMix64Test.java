package nomoat.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import nomoat.pipeline.model.Seeds;
import org.junit.jupiter.api.Test;

class SplitMix64Test {
  /** The JDK's SplittableRandom is SplitMix64: its first value from seed s is finalise(s + gamma). */
  @Test
  void matchesTheJdksSplitMix64() {
    SplittableRandom seeds = new SplittableRandom(7);
    for (int i = 0; i < 1000; i++) {
      long s = seeds.nextLong();
      long expected = new SplittableRandom(s).nextLong();
      assertEquals(expected, SplitMix64.finalise(s + SplitMix64.GOLDEN_GAMMA));
      assertEquals(expected, Seeds.mix(1, s));
    }
    assertEquals(0xE220A8397B1DCDAFL, SplitMix64.finalise(SplitMix64.GOLDEN_GAMMA));   // SplitMix64's first output from seed 0
  }
}
