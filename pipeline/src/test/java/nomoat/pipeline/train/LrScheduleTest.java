package nomoat.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Expected values are HF transformers' lr_lambda formulas evaluated by hand (base lr 1e-3, 10 warmup, 110 total). */
class LrScheduleTest {
  private static final double LR = 1e-3;

  @Test
  void warmupIsLinearFromZeroForEveryKind() {
    for (LrSchedule.Kind k : LrSchedule.Kind.values()) {
      LrSchedule s = new LrSchedule(k, LR, 10, 110);
      assertEquals(0.0, s.lr(0), 0);
      assertEquals(1e-4, s.lr(1), 1e-18);
      assertEquals(5e-4, s.lr(5), 1e-18);
      assertEquals(9e-4, s.lr(9), 1e-18);
    }
  }

  @Test
  void constant() {
    LrSchedule s = new LrSchedule(LrSchedule.Kind.CONSTANT, LR, 10, 110);
    assertEquals(LR, s.lr(10), 0);
    assertEquals(LR, s.lr(1000), 0);
    assertEquals(LR, new LrSchedule(LrSchedule.Kind.CONSTANT, LR, 0, 0).lr(0), 0);
  }

  @Test
  void linearDecaysToZeroAtTotal() {
    LrSchedule s = new LrSchedule(LrSchedule.Kind.LINEAR, LR, 10, 110);
    assertEquals(1e-3, s.lr(10), 1e-18);            // (110-10)/100
    assertEquals(0.75e-3, s.lr(35), 1e-18);         // (110-35)/100
    assertEquals(0.01e-3, s.lr(109), 1e-18);        // (110-109)/100
    assertEquals(0.0, s.lr(110), 0);
    assertEquals(0.0, s.lr(200), 0);                // clamped at 0
  }

  @Test
  void cosineFollowsHalfCycle() {
    LrSchedule s = new LrSchedule(LrSchedule.Kind.COSINE, LR, 10, 110);
    assertEquals(1e-3, s.lr(10), 1e-18);
    assertEquals(0.5e-3 * (1 + Math.cos(Math.PI * 0.25)), s.lr(35), 1e-18); // progress 0.25 -> 0.853553...
    assertEquals(0.8535533905932737e-3, s.lr(35), 1e-15);
    assertEquals(0.5e-3, s.lr(60), 1e-15);          // progress 0.5
    assertEquals(0.1464466094067262e-3, s.lr(85), 1e-15);
    assertEquals(0.0, s.lr(110), 1e-18);
    // HF continues the cosine past total_steps with num_cycles 0.5 (no clamp to zero for progress > 1).
    assertEquals(0.5e-3 * (1 + Math.cos(Math.PI * 1.5)), s.lr(160), 1e-18);
  }

  @Test
  void zeroWarmupStartsAtFullRate() {
    assertEquals(LR, new LrSchedule(LrSchedule.Kind.LINEAR, LR, 0, 100).lr(0), 0);
    assertEquals(LR, new LrSchedule(LrSchedule.Kind.COSINE, LR, 0, 100).lr(0), 0);
  }

  @Test
  void parsesNamesAndRejectsBadArguments() {
    assertEquals(LrSchedule.Kind.COSINE, LrSchedule.kindOf(" Cosine "));
    assertThrows(IllegalArgumentException.class, () -> LrSchedule.kindOf("polynomial"));
    assertThrows(IllegalArgumentException.class, () -> new LrSchedule(LrSchedule.Kind.LINEAR, LR, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new LrSchedule(LrSchedule.Kind.LINEAR, -1, 0, 10));
  }
}
