package nomoat.pipeline.untrusted;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import nomoat.pipeline.NomoatException;

/** Damage done to a valid file in the properties: cut it short, flip a byte, or write a huge size into it. */
final class Mutations {
  private Mutations() {}

  enum Kind { TRUNCATE, FLIP, HUGE_U64, HUGE_U32 }

  static final Path DIR;

  static {
    try {
      DIR = Files.createTempDirectory("nomoat-untrusted");
      DIR.toFile().deleteOnExit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * @param where a fraction of {@code limit} (the region worth damaging: headers, not tensor data)
   * @param value the flipped bits or the size written
   */
  static byte[] apply(byte[] valid, Kind kind, double where, long value, int limit) {
    int region = Math.min(valid.length, limit);
    int at = Math.min(region - 1, (int) (where * region));
    byte[] b;
    switch (kind) {
      case TRUNCATE -> b = Arrays.copyOf(valid, (int) (where * valid.length));
      case FLIP -> {
        b = valid.clone();
        b[at] ^= (byte) (value == 0 ? 1 : value);
      }
      case HUGE_U64 -> {
        b = valid.clone();
        at = Math.min(at, Math.max(0, b.length - 8));
        long huge = value < 0 ? value : Long.MAX_VALUE - (value & 0xffff);
        ByteBuffer.wrap(b, at, Math.min(8, b.length - at)).order(ByteOrder.LITTLE_ENDIAN).put(Arrays.copyOf(
            ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(huge).array(), Math.min(8, b.length - at)));
      }
      case HUGE_U32 -> {
        b = valid.clone();
        at = Math.min(at, Math.max(0, b.length - 4));
        int huge = (int) (0x7fff_0000L | (value & 0xffff)) | (value < 0 ? 0x8000_0000 : 0);
        ByteBuffer.wrap(b, at, Math.min(4, b.length - at)).order(ByteOrder.LITTLE_ENDIAN).put(Arrays.copyOf(
            ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(huge).array(), Math.min(4, b.length - at)));
      }
      default -> throw new IllegalStateException();
    }
    return b;
  }

  static Path write(String name, byte[] bytes) {
    try {
      Path dir = Files.createTempDirectory(DIR, "try");
      Path f = dir.resolve(name);
      Files.write(f, bytes);
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code read}: it may succeed; if it fails, it is with one NomoatException naming {@code fileName}. */
  static void succeedsOrNamesTheFile(String fileName, Runnable read) {
    try {
      read.run();
    } catch (NomoatException e) {
      assertNotNull(e.getMessage());
      assertTrue(e.getMessage().contains(fileName), "the error names " + fileName + ": " + e.getMessage());
      assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
    } catch (Throwable t) {
      fail("not a NomoatException: " + t, t);
    }
  }
}
