package nomoat.pipeline.model;

/** The one seed mixer of the engine and trainer (dropout masks, micro-batch seeds): SplitMix64's step and finaliser. */
public final class Seeds {
  private Seeds() {}

  /** A well-mixed 64-bit value from a seed and a salt; equal inputs give equal outputs on every JVM. */
  public static long mix(long seed, long salt) {
    long z = seed * 0x9E3779B97F4A7C15L + salt;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
