package nomoat.pipeline.train;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which CUDA device a training task binds its engine to, and whether the CUDA build can run on that GPU at all.
 * Pure functions over strings (Spark's {@code TaskContext.resources().get("gpu").addresses()}, the executor's
 * {@code CUDA_VISIBLE_DEVICES}, a compute capability): testable without a GPU.
 */
public final class GpuAssignment {
  private GpuAssignment() {}

  /**
   * The CUDA device index (as the CUDA runtime numbers devices in this process) for the GPU Spark assigned a task.
   * Spark's addresses come from the discovery script (physical indexes, as {@code nvidia-smi} numbers them). When
   * {@code CUDA_VISIBLE_DEVICES} is set, CUDA renumbers the visible devices from 0 in the listed order, so the
   * index is the address's position in that list.
   *
   * @param assigned           the task's "gpu" resource addresses (empty when none was requested)
   * @param cudaVisibleDevices the executor's CUDA_VISIBLE_DEVICES, or null when unset
   * @throws IllegalStateException with one line saying what to change
   */
  public static int deviceIndex(List<String> assigned, String cudaVisibleDevices) {
    if (assigned == null || assigned.isEmpty())
      throw new IllegalStateException("no GPU assigned to this training task: set spark.task.resource.gpu.amount=1 and "
          + "spark.executor.resource.gpu.amount (with a discovery script), or train on CPU executors");
    if (assigned.size() != 1)
      throw new IllegalStateException("this training task was assigned " + assigned.size() + " GPUs " + assigned
          + "; one task drives one GPU: set spark.task.resource.gpu.amount=1");
    String address = assigned.get(0).trim();
    if (cudaVisibleDevices == null) {
      try {
        int index = Integer.parseInt(address);
        if (index >= 0) return index;
      } catch (NumberFormatException ignored) {
        // reported below
      }
      throw new IllegalStateException("Spark assigned GPU address '" + address + "', which is not a device index, and "
          + "CUDA_VISIBLE_DEVICES is unset: make the GPU discovery script report indexes (as nvidia-smi numbers the GPUs)");
    }
    List<String> visible = Arrays.stream(cudaVisibleDevices.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    if (visible.isEmpty() || visible.get(0).startsWith("-"))
      throw new IllegalStateException("CUDA_VISIBLE_DEVICES='" + cudaVisibleDevices + "' hides every GPU from this executor, "
          + "but Spark assigned GPU " + address);
    int position = visible.indexOf(address);
    if (position < 0)
      throw new IllegalStateException("Spark assigned GPU " + address + " but this executor's CUDA_VISIBLE_DEVICES is "
          + cudaVisibleDevices + ": the discovery script and the device isolation disagree; make the script report the "
          + "devices of CUDA_VISIBLE_DEVICES");
    return position;
  }

  /** Machine code in nd4j-cuda-11.6 1.0.0-M2.1's libnd4jcuda.so (no PTX, so nothing newer can JIT). */
  static final int[] BUILD_SASS = {37, 50, 52, 60, 61, 70, 75, 80, 86};

  private static final Pattern CAPABILITY = Pattern.compile("(?:sm_?|compute_)?(\\d+)(?:\\.(\\d))?");

  /**
   * The machine code a GPU of compute capability {@code capability} ("8.9", "sm_89" or "89") runs from this CUDA
   * build: the newest {@code sm_XY} of the same major version with minor ≤ the GPU's (CUDA's binary compatibility).
   *
   * @throws IllegalStateException one line when the build has no code the GPU can run (Hopper, Blackwell, pre-3.7)
   */
  public static String requireSupported(String capability) {
    Matcher m = CAPABILITY.matcher(capability == null ? "" : capability.trim().toLowerCase(Locale.ROOT));
    if (!m.matches())
      throw new IllegalArgumentException("GPU compute capability '" + capability + "': expected e.g. 8.6 or sm_86");
    int major, minor;
    if (m.group(2) != null) {
      major = Integer.parseInt(m.group(1));
      minor = Integer.parseInt(m.group(2));
    } else {
      int n = Integer.parseInt(m.group(1));
      major = n / 10;
      minor = n % 10;
    }
    int best = -1;
    for (int sass : BUILD_SASS)
      if (sass / 10 == major && sass % 10 <= minor) best = sass;
    if (best >= 0) return "sm_" + best;
    String gpu = major + "." + minor;
    if (major > 8)
      throw new IllegalStateException("GPU compute capability " + gpu + " (" + generation(major) + ") is newer than the cuda build "
          + "(nd4j-cuda-11.6 1.0.0-M2.1: machine code for sm_37..sm_86, no PTX) can run; it supports Kepler sm_37 through "
          + "Ada sm_89 (A100, A10G, L4, RTX 30/40): use such GPUs or CPU executors");
    throw new IllegalStateException("GPU compute capability " + gpu + " is older than the cuda build (nd4j-cuda-11.6 "
        + "1.0.0-M2.1) supports (sm_37 and newer): use CPU executors");
  }

  private static String generation(int major) {
    return switch (major) {
      case 9 -> "Hopper";
      case 10, 12 -> "Blackwell";
      default -> "a generation after Ada";
    };
  }
}
