package nomoat.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much of the machine other processes used while a measurement ran: (all busy CPU time - this process's CPU
 * time) / (wall time x CPUs), from /proc/stat and the JVM's process CPU time, as peer_bench.py reports it.
 */
final class CpuShare {
  private final long busy0 = busyNanos(), own0 = ownNanos(), wall0 = System.nanoTime();

  /** Other processes' share of all CPUs since construction (0..1). */
  double foreignShare() {
    double wall = System.nanoTime() - wall0;
    double foreign = (busyNanos() - busy0) - (ownNanos() - own0);
    return Math.max(0.0, foreign / (wall * Runtime.getRuntime().availableProcessors()));
  }

  private static long ownNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** Busy time (user..steal, excluding idle and iowait) of all CPUs, in nanoseconds (USER_HZ = 100). */
  private static long busyNanos() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i <= 8 && i < f.length; i++) if (i != 4 && i != 5) busy += Long.parseLong(f[i]);
      return busy * 10_000_000L;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
