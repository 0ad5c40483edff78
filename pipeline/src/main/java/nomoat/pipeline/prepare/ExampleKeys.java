package nomoat.pipeline.prepare;

import java.nio.charset.StandardCharsets;
import nomoat.pipeline.SplitMix64;

/**
 * Stable 64-bit keys for deterministic sampling, splitting and shuffling: the same (seed, purpose, id) gives the
 * same key on every machine and every run, whatever the partitioning. FNV-1a over UTF-8 followed by a
 * SplitMix64 finaliser (FNV alone mixes the last bytes poorly).
 */
public final class ExampleKeys {
  private ExampleKeys() {}

  public static long key(long seed, String purpose, String id) {
    long h = 0xcbf29ce484222325L ^ SplitMix64.finalise(seed);
    h = fnv(h, purpose.getBytes(StandardCharsets.UTF_8));
    h = fnv(h, new byte[] {0});
    h = fnv(h, id.getBytes(StandardCharsets.UTF_8));
    return SplitMix64.finalise(h);
  }

  /** The key as a uniform double in [0, 1). */
  public static double unit(long key) {
    return (key >>> 11) * 0x1.0p-53;
  }

  /** Content key of token ids + labels, for exact dedup. */
  public static long content(int[] ids, int[] labels) {
    long h = 0xcbf29ce484222325L;
    for (int v : ids) h = (h ^ v) * 0x100000001b3L;
    h = (h ^ 0x9e3779b9L) * 0x100000001b3L;
    for (int v : labels) h = (h ^ v) * 0x100000001b3L;
    return SplitMix64.finalise(h ^ ids.length);
  }

  private static long fnv(long h, byte[] bytes) {
    for (byte b : bytes) h = (h ^ (b & 0xff)) * 0x100000001b3L;
    return h;
  }
}
