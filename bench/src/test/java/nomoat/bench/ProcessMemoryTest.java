package nomoat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProcessMemoryTest {
  @Test
  void parsesStatusLinesInMebibytes() {
    ProcessMemory m = ProcessMemory.parse("Name:\tjava\nVmPeak:\t 9999 kB\nVmHWM:\t  2048000 kB\nVmRSS:\t  1024 kB\n"
        + "RssAnon:\t   512 kB\nRssFile:\t   256 kB\nRssShmem:\t  256 kB\n");
    assertEquals(1.0, m.rssMib(), 0);
    assertEquals(2000.0, m.peakRssMib(), 0);
    assertEquals(0.5, m.rssAnonMib(), 0);
    assertEquals(0.25, m.rssFileMib(), 0);
  }

  @Test
  void peakIsAtLeastCurrentForThisJvm() {
    ProcessMemory m = ProcessMemory.now();
    assertTrue(m.rssMib() > 10, "a JVM holds more than 10 MiB");
    assertTrue(m.peakRssMib() >= m.rssMib());
  }

  @Test
  void medianLikePython() {
    assertEquals(2.0, Stats.median(new double[] {3, 1, 2}), 0);
    assertEquals(2.5, Stats.median(new double[] {4, 1, 3, 2}), 0);
  }
}
