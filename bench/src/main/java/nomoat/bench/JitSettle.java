package nomoat.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;

/**
 * Whether HotSpot's JIT has settled: over the last {@link #WINDOW} steps the compiler threads spent at most
 * {@link #MAX_SHARE} of those steps' wall time compiling. Until then compilation competes with the step for the
 * cores and the step time is not the steady state. Without a compilation MXBean it reports settled at once.
 */
final class JitSettle {
  static final int WINDOW = 3;
  static final double MAX_SHARE = 0.02;

  private final CompilationMXBean bean = ManagementFactory.getCompilationMXBean();
  private final boolean available = bean != null && bean.isCompilationTimeMonitoringSupported();
  private final ArrayDeque<double[]> recent = new ArrayDeque<>();   // {step seconds, compile ms during it}
  private long lastCompileMs = compileTotal();

  /** Records a finished step of the given wall time. */
  void stepDone(double seconds) {
    long now = compileTotal();
    recent.addLast(new double[] {seconds, now - lastCompileMs});
    lastCompileMs = now;
    if (recent.size() > WINDOW) recent.removeFirst();
  }

  boolean settled() {
    if (!available) return true;
    if (recent.size() < WINDOW) return false;
    double wallMs = 0, compileMs = 0;
    for (double[] r : recent) {
      wallMs += r[0] * 1000;
      compileMs += r[1];
    }
    return compileMs <= MAX_SHARE * wallMs;
  }

  /** Milliseconds the JIT has spent compiling since the JVM started. */
  double compileMs() { return compileTotal(); }

  private long compileTotal() { return available ? bean.getTotalCompilationTime() : 0; }
}
