package nomoat.pipeline.model;

import nomoat.pipeline.SplitMix64;

/** The one seed mixer of the engine and trainer (dropout masks, micro-batch seeds): SplitMix64's step and finaliser. */
public final class Seeds {
  private Seeds() {}

  /** A well-mixed 64-bit value from a seed and a salt; equal inputs give equal outputs on every JVM. */
  public static long mix(long seed, long salt) {
    return SplitMix64.finalise(seed * SplitMix64.GOLDEN_GAMMA + salt);
  }
}
