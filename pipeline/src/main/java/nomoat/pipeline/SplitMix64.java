package nomoat.pipeline;

/**
 * SplitMix64's finaliser, the one 64-bit mixer behind every seed and key in nomoat: the engine's and trainer's
 * seeds ({@code model.Seeds}) and prepare's example keys ({@code prepare.ExampleKeys}). It lives here, below both,
 * because neither may depend on the other. Changing it changes every prepared dataset's splits and shards and every
 * dropout mask.
 */
public final class SplitMix64 {
  private SplitMix64() {}

  /** SplitMix64's golden-ratio increment (also {@link java.util.SplittableRandom}'s default gamma). */
  public static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  /** The finaliser (Stafford's variant 13, as in {@link java.util.SplittableRandom}): a bijection on 64-bit values. */
  public static long finalise(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
