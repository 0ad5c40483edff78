package nomoat.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import nomoat.jobs.Main;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.model.FrozenMatrix;
import nomoat.pipeline.model.FrozenProducts;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Whether OpenBLAS's BF16 GEMM (cblas_sbgemm) could replace the engine's widen-tile + SGEMM products with BF16-stored
 * weights: per OPENBLAS_CORETYPE (each in its own JVM, OpenBLAS reads it once at load), whether the loaded OpenBLAS
 * exports cblas_sbgemm at all, the speed of the engine's path (BF16 weights widened per tile, and the FP32 weights'
 * tiles) for cfg B's and a 7B layer's shapes in both directions, and the fidelity sbgemm would have: its inputs are
 * BF16, so the activations would be rounded to BF16 too (the weights already are); its products of two BF16 values
 * are exact in FP32 and it accumulates in FP32 (AVX512-BF16 vdpbf16ps), so rounding x to BF16 and running the FP32
 * path computes what sbgemm would, up to summation order. That error is reported against the FP32-widened product.
 */
@Command(name = "sbgemm", mixinStandardHelpOptions = true, sortOptions = false, description = {
    "OpenBLAS BF16 GEMM (cblas_sbgemm) vs the engine's widen-tile + SGEMM for BF16 weights: availability per "
        + "OPENBLAS_CORETYPE, GFLOP/s of the engine's path for cfg B's and a 7B layer's forward x W^T and backward dy W, "
        + "and the relative error BF16 activations would add."})
public final class SbgemmBench implements Callable<Integer> {
  /** A weight shape [rows, cols] and the tokens multiplying it. */
  record Shape(String name, int tokens, int rows, int cols) {
    double gflop() { return 2.0 * tokens * rows * cols / 1e9; }
  }

  /** cfg B (batch 4 x seq 256 = 1024 tokens): q/k/v/o, gate/up, down; a 7B layer at seq 512: the same three. */
  static List<Shape> shapes(String set) {
    return switch (set) {
      case "B" -> List.of(new Shape("B q_proj", 1024, 512, 512), new Shape("B gate_proj", 1024, 1376, 512),
          new Shape("B down_proj", 1024, 512, 1376));
      case "7B" -> List.of(new Shape("7B q_proj", 512, 4096, 4096), new Shape("7B gate_proj", 512, 11008, 4096),
          new Shape("7B down_proj", 512, 4096, 11008));
      default -> throw new IllegalArgumentException("unknown shape set '" + set + "'; known: B, 7B");
    };
  }

  @Option(names = "--coretypes", paramLabel = "LIST", split = ",", defaultValue = "${env:OPENBLAS_CORETYPE:-Haswell},Cooperlake",
      description = "OPENBLAS_CORETYPE per measured JVM; 'auto' = OpenBLAS's own detection (default ${DEFAULT-VALUE}).")
  List<String> coretypes;
  @Option(names = "--shapes", paramLabel = "LIST", split = ",", defaultValue = "B,7B", description = "Shape sets: B, 7B (default ${DEFAULT-VALUE}).")
  List<String> shapeSets;
  @Option(names = "--reps", paramLabel = "N", defaultValue = "5", description = "Timed products per shape and path; the median is reported (default ${DEFAULT-VALUE}).")
  int reps;
  @Option(names = "--threads", paramLabel = "N", defaultValue = "2", description = "OMP_NUM_THREADS of each measured JVM (default ${DEFAULT-VALUE}).")
  int threads;
  @Option(names = "--json-out", paramLabel = "FILE", description = "Also write every result as JSON to FILE.")
  File jsonOut;
  @Option(names = "--child", hidden = true, description = "Internal: measure in this JVM and print JSON.")
  boolean child;
  @Spec CommandSpec spec;

  public static void main(String[] argv) {
    int rc = Main.run(new SbgemmBench(), argv, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    if (rc != 0 || List.of(argv).contains("--child")) System.exit(rc);
  }

  @Override
  public Integer call() throws Exception {
    for (Object[] o : new Object[][] {{"--reps", reps}, {"--threads", threads}})
      if ((int) o[1] < 1) throw new NomoatException(NomoatException.ExitCode.USAGE, "bench sbgemm: " + o[0] + " must be at least 1, got " + o[1]);
    List<Shape> all = new ArrayList<>();
    for (String s : shapeSets) {
      try {
        all.addAll(shapes(s.trim()));
      } catch (IllegalArgumentException e) {
        throw new NomoatException(NomoatException.ExitCode.USAGE, "bench sbgemm: --shapes: " + e.getMessage());
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (child) {
      out.println(new ObjectMapper().writeValueAsString(measure(all, reps)));
      return 0;
    }
    List<Map<String, Object>> results = new ArrayList<>();
    for (String ct : coretypes) {
      Map<String, Object> r = runChild(ct.trim());
      results.add(r);
      out.print(format(r));
      out.flush();
    }
    if (jsonOut != null) new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(jsonOut, results);
    return 0;
  }

  /** One JVM's measurement: availability, then per shape and direction the two paths' times and the BF16-input error. */
  static Map<String, Object> measure(List<Shape> shapes, int reps) {
    Loader.load(openblas_nolapack.class);
    Map<String, Object> res = new LinkedHashMap<>();
    res.put("openblas_coretype", System.getenv().getOrDefault("OPENBLAS_CORETYPE", "auto"));
    res.put("cblas_sgemm_found", Loader.addressof("cblas_sgemm") != null);          // the lookup works at all
    res.put("cblas_sbgemm_found", Loader.addressof("cblas_sbgemm") != null);
    List<Map<String, Object>> rows = new ArrayList<>();
    Nd4j.getRandom().setSeed(7);
    for (Shape s : shapes) {
      INDArray w32 = Nd4j.randn(DataType.FLOAT, s.rows(), s.cols()).muli(0.02);
      FrozenMatrix bf16 = FrozenMatrix.roundedToHalf(w32, true);
      FrozenMatrix dense = FrozenMatrix.dense(bf16.toDense());                         // the same weights, FP32-widened
      w32.close();
      for (boolean forward : new boolean[] {true, false}) {
        INDArray in = Nd4j.randn(DataType.FLOAT, s.tokens(), forward ? s.cols() : s.rows());
        INDArray ref = product(dense, in, forward);
        INDArray bf16In = roundedToBf16(in);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("shape", s.name());
        row.put("direction", forward ? "forward x W^T" : "backward dy W");
        row.put("m_n_k", forward ? List.of(s.tokens(), s.rows(), s.cols()) : List.of(s.tokens(), s.cols(), s.rows()));
        row.put("gflop", s.gflop());
        row.put("bf16_widen_ms", 1e3 * medianSeconds(() -> product(bf16, in, forward).close(), reps));
        row.put("fp32_tiles_ms", 1e3 * medianSeconds(() -> product(dense, in, forward).close(), reps));
        row.put("input_rounding_rel_err", maxRelative(bf16In, in));
        INDArray emulated = product(dense, bf16In, forward);
        row.put("bf16_inputs_max_err_rel_to_max", emulated.sub(ref).amaxNumber().doubleValue() / ref.amaxNumber().doubleValue());
        row.put("bf16_inputs_rms_err_rel_to_rms", emulated.sub(ref).norm2Number().doubleValue() / ref.norm2Number().doubleValue());
        rows.add(row);
      }
    }
    res.put("products", rows);
    res.put("peak_rss_mib", ProcessMemory.now().peakRssMib());
    return res;
  }

  private static INDArray product(FrozenMatrix w, INDArray in, boolean forward) {
    return forward ? FrozenProducts.forward(w, in) : FrozenProducts.backward(w, in);
  }

  /** x rounded to the nearest bfloat16 (ties to even), as FP32: what cblas_sbgemm would be given. */
  static INDArray roundedToBf16(INDArray x) {
    float[] f = x.dup('c').data().asFloat();
    for (int i = 0; i < f.length; i++) f[i] = bf16(f[i]);
    return Nd4j.create(f, x.shape(), 'c');
  }

  static float bf16(float v) {
    int b = Float.floatToRawIntBits(v);
    if ((b & 0x7f800000) == 0x7f800000) return v;                                       // Inf/NaN as they are
    return Float.intBitsToFloat(((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) << 16);
  }

  private static double maxRelative(INDArray a, INDArray ref) {
    return a.sub(ref).divi(ref).amaxNumber().doubleValue();
  }

  private static double medianSeconds(Runnable r, int reps) {
    r.run();                                                                             // warm-up
    double[] t = new double[reps];
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      r.run();
      t[i] = (System.nanoTime() - t0) / 1e9;
    }
    return Stats.median(t);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> runChild(String coretype) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String opt : ManagementFactory.getRuntimeMXBean().getInputArguments())
      if (!opt.startsWith("-agentlib") && !opt.startsWith("-javaagent")) cmd.add(opt);
    cmd.addAll(List.of("-Xmx512m", "-Dorg.bytedeco.javacpp.maxbytes=3g", "-Dorg.bytedeco.javacpp.maxphysicalbytes=0",
        "-cp", System.getProperty("java.class.path"), SbgemmBench.class.getName(), "--child", "--reps", Integer.toString(reps),
        "--shapes", String.join(",", shapeSets)));
    File err = File.createTempFile("bench-sbgemm", ".err");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err);
    pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
    pb.environment().put("OPENBLAS_VERBOSE", "2");                       // OpenBLAS then names the kernel it chose
    if (coretype.equalsIgnoreCase("auto")) pb.environment().remove("OPENBLAS_CORETYPE");
    else pb.environment().put("OPENBLAS_CORETYPE", coretype);
    Process p = pb.start();
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    String stderr = Files.readString(err.toPath());
    err.delete();
    String[] lines = stdout.strip().split("\n");
    if (rc != 0 || !lines[lines.length - 1].startsWith("{"))
      throw new NomoatException(NomoatException.ExitCode.FAILURE, "bench sbgemm: the measured JVM (OPENBLAS_CORETYPE=" + coretype
          + ") failed with exit code " + rc + ": " + stderr.strip());
    Map<String, Object> r = new ObjectMapper().readValue(lines[lines.length - 1], LinkedHashMap.class);
    r.put("openblas_core_selected", selectedCore(stderr));
    // OpenBLAS says "Core not found: X" when it does not know a forced core type (then it detects one itself)
    r.put("openblas_coretype_unknown", stderr.contains("Core not found"));
    return r;
  }

  /** The kernel OpenBLAS says it chose ("Core: Haswell" with OPENBLAS_VERBOSE=2), or "?" when it said nothing. */
  static String selectedCore(String stderr) {
    return stderr.lines().filter(l -> l.startsWith("Core: ")).map(l -> l.substring(6).trim()).findFirst().orElse("?");
  }

  @SuppressWarnings("unchecked")
  static String format(Map<String, Object> r) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "OPENBLAS_CORETYPE=%s (%sOpenBLAS runs %s kernels): cblas_sbgemm %s (cblas_sgemm %s), peak RSS %.0f MiB%n",
        r.get("openblas_coretype"), Boolean.TRUE.equals(r.get("openblas_coretype_unknown")) ? "unknown to OpenBLAS, " : "",
        r.get("openblas_core_selected"), Boolean.TRUE.equals(r.get("cblas_sbgemm_found")) ? "exported" : "NOT exported",
        Boolean.TRUE.equals(r.get("cblas_sgemm_found")) ? "found" : "not found", ((Number) r.get("peak_rss_mib")).doubleValue()));
    String hdr = String.format(Locale.ROOT, "  %-15s%-16s%10s%12s%12s%12s%12s%14s%14s", "shape", "direction", "GFLOP", "BF16 ms",
        "BF16 GF/s", "FP32 ms", "FP32 GF/s", "bf16-x maxerr", "bf16-x rmserr");
    sb.append(hdr).append('\n');
    for (Map<String, Object> p : (List<Map<String, Object>>) r.get("products")) {
      double g = ((Number) p.get("gflop")).doubleValue(), b = ((Number) p.get("bf16_widen_ms")).doubleValue(),
          f = ((Number) p.get("fp32_tiles_ms")).doubleValue();
      sb.append(String.format(Locale.ROOT, "  %-15s%-16s%10.2f%12.1f%12.1f%12.1f%12.1f%14.2e%14.2e%n", p.get("shape"), p.get("direction"),
          g, b, g / b * 1e3, f, g / f * 1e3, ((Number) p.get("bf16_inputs_max_err_rel_to_max")).doubleValue(),
          ((Number) p.get("bf16_inputs_rms_err_rel_to_rms")).doubleValue()));
    }
    return sb.toString();
  }
}
