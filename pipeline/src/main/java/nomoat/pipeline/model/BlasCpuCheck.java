package nomoat.pipeline.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import nomoat.pipeline.NomoatException;
import org.slf4j.LoggerFactory;

/**
 * OPENBLAS_CORETYPE forces an OpenBLAS kernel; a kernel whose instructions the CPU lacks dies with SIGILL deep in a
 * gemm. So the engine checks, once per JVM and before its first gemm, that this machine's CPU flags cover the
 * configured kernel, fails with one line when they do not, and logs which kernel OpenBLAS runs.
 */
public final class BlasCpuCheck {
  private BlasCpuCheck() {}

  /** /proc/cpuinfo flags each OpenBLAS x86-64 kernel needs (lower-case core names; unknown names are not checked). */
  static final Map<String, List<String>> REQUIRED = Map.ofEntries(
      Map.entry("sapphirerapids", List.of("avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_bf16")),
      Map.entry("cooperlake", List.of("avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_bf16")),
      Map.entry("skylakex", List.of("avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd")),
      Map.entry("haswell", List.of("avx2", "fma")),
      Map.entry("zen", List.of("avx2", "fma")),
      Map.entry("sandybridge", List.of("avx")),
      Map.entry("bulldozer", List.of("avx")),
      Map.entry("nehalem", List.of("sse4_2")),
      Map.entry("penryn", List.of("sse4_1")),
      Map.entry("core2", List.of("ssse3")),
      Map.entry("prescott", List.of("pni")));

  private static volatile boolean checked;

  /**
   * The problem with running {@code coreType} on a CPU with these /proc/cpuinfo contents, or null when there is none
   * (no core type set, a core type this check does not know, or every required flag present).
   */
  public static String problem(String coreType, String cpuinfo) {
    if (coreType == null || coreType.isBlank()) return null;
    List<String> need = REQUIRED.get(coreType.trim().toLowerCase(Locale.ROOT));
    if (need == null) return null;
    Set<String> have = flags(cpuinfo);
    if (have.isEmpty()) return null; // not x86 /proc/cpuinfo (or unreadable): nothing to compare against
    Set<String> missing = new TreeSet<>(need);
    missing.removeAll(have);
    if (missing.isEmpty()) return null;
    return "OPENBLAS_CORETYPE=" + coreType + " needs CPU instructions " + missing + " this machine lacks; unset OPENBLAS_CORETYPE "
        + "for this host or set one its CPU supports (" + suggestion(have) + ")";
  }

  /** The fastest known kernel whose flags the CPU has. */
  static String suggestion(Set<String> have) {
    for (String k : List.of("SkylakeX", "Haswell", "Sandybridge", "Nehalem"))
      if (have.containsAll(REQUIRED.get(k.toLowerCase(Locale.ROOT)))) return "e.g. " + k;
    return "or leave it unset";
  }

  /** The flags of the first "flags" line of /proc/cpuinfo text. */
  static Set<String> flags(String cpuinfo) {
    Set<String> out = new HashSet<>();
    if (cpuinfo == null) return out;
    for (String line : cpuinfo.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equals("flags")) {
        for (String f : line.substring(colon + 1).trim().split("\\s+")) if (!f.isEmpty()) out.add(f);
        break;
      }
    }
    return out;
  }

  /** Once per JVM: check this host's CPU against OPENBLAS_CORETYPE and log the kernel OpenBLAS runs. */
  public static void once() {
    if (checked) return;
    synchronized (BlasCpuCheck.class) {
      if (checked) return;
      String coreType = System.getenv("OPENBLAS_CORETYPE");
      String cpuinfo;
      try {
        cpuinfo = Files.readString(Paths.get("/proc/cpuinfo"));
      } catch (IOException | RuntimeException e) {
        cpuinfo = null;
      }
      String problem = problem(coreType, cpuinfo);
      if (problem != null) throw NomoatException.config(problem);
      checked = true;
      LoggerFactory.getLogger(BlasCpuCheck.class).info("OpenBLAS kernel: {} (OPENBLAS_CORETYPE {})", openBlasCoreName(),
          coreType == null ? "unset: OpenBLAS detects the CPU" : "= " + coreType);
    }
  }

  /** openblas_get_corename() of the OpenBLAS ND4J loaded (the CPU build), or "unknown" on other backends. */
  private static String openBlasCoreName() {
    try {
      Class<?> c = Class.forName("org.bytedeco.openblas.global.openblas");
      Object name = c.getMethod("openblas_get_corename").invoke(null);
      return name == null ? "unknown" : name.toString();
    } catch (ReflectiveOperationException | LinkageError e) {
      return "unknown";
    }
  }
}
