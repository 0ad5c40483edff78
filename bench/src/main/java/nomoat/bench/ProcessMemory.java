package nomoat.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's resident memory from /proc/PID/status (Linux), in MiB: current (VmRSS) and peak (VmHWM), and the current
 * split into anonymous pages (heap, off-heap buffers) and file pages (memory-mapped weights); NaN where the kernel
 * does not report the split.
 */
public record ProcessMemory(double rssMib, double peakRssMib, double rssAnonMib, double rssFileMib) {

  public static ProcessMemory now() {
    try {
      return parse(Files.readString(Path.of("/proc/self/status")));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/status (peak RSS needs Linux)", e);
    }
  }

  /** Another process's resident memory (e.g. a Spark executor JVM on this machine). */
  public static ProcessMemory of(long pid) {
    try {
      return parse(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/" + pid + "/status: " + e.getMessage(), e);
    }
  }

  static ProcessMemory parse(String status) {
    double rss = Double.NaN, hwm = Double.NaN, anon = Double.NaN, file = Double.NaN;
    for (String line : status.split("\n")) {
      if (line.startsWith("VmRSS:")) rss = kib(line) / 1024.0;
      else if (line.startsWith("VmHWM:")) hwm = kib(line) / 1024.0;
      else if (line.startsWith("RssAnon:")) anon = kib(line) / 1024.0;
      else if (line.startsWith("RssFile:")) file = kib(line) / 1024.0;
    }
    if (Double.isNaN(rss) || Double.isNaN(hwm)) throw new IllegalStateException("no VmRSS/VmHWM in /proc/self/status");
    return new ProcessMemory(rss, hwm, anon, file);
  }

  private static long kib(String line) {
    return Long.parseLong(line.substring(line.indexOf(':') + 1).trim().split("\\s+")[0]);
  }
}
