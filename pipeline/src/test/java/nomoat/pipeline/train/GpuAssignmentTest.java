package nomoat.pipeline.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class GpuAssignmentTest {

  @Test
  void withoutCudaVisibleDevicesTheAddressIsTheIndex() {
    assertEquals(0, GpuAssignment.deviceIndex(List.of("0"), null));
    assertEquals(3, GpuAssignment.deviceIndex(List.of(" 3 "), null));
  }

  @Test
  void withCudaVisibleDevicesTheIndexIsThePositionInTheList() {
    assertEquals(0, GpuAssignment.deviceIndex(List.of("2"), "2,3"));
    assertEquals(1, GpuAssignment.deviceIndex(List.of("3"), "2, 3"));
    assertEquals(1, GpuAssignment.deviceIndex(List.of("GPU-b2c1"), "GPU-a0f3,GPU-b2c1"), "UUIDs match as strings");
  }

  @Test
  void clearErrors() {
    assertTrue(assertThrows(IllegalStateException.class, () -> GpuAssignment.deviceIndex(List.of(), null)).getMessage()
        .startsWith("no GPU assigned to this training task: set spark.task.resource.gpu.amount=1"));
    assertEquals("this training task was assigned 2 GPUs [0, 1]; one task drives one GPU: set spark.task.resource.gpu.amount=1",
        assertThrows(IllegalStateException.class, () -> GpuAssignment.deviceIndex(List.of("0", "1"), null)).getMessage());
    assertTrue(assertThrows(IllegalStateException.class, () -> GpuAssignment.deviceIndex(List.of("1"), "2,3")).getMessage()
        .startsWith("Spark assigned GPU 1 but this executor's CUDA_VISIBLE_DEVICES is 2,3"));
    assertTrue(assertThrows(IllegalStateException.class, () -> GpuAssignment.deviceIndex(List.of("0"), "")).getMessage()
        .contains("hides every GPU"));
    assertTrue(assertThrows(IllegalStateException.class, () -> GpuAssignment.deviceIndex(List.of("0"), "-1")).getMessage()
        .contains("hides every GPU"));
    assertTrue(assertThrows(IllegalStateException.class, () -> GpuAssignment.deviceIndex(List.of("GPU-a0f3"), null)).getMessage()
        .contains("not a device index"));
  }

  @Test
  void gpusTheBuildRuns() {
    assertEquals("sm_37", GpuAssignment.requireSupported("3.7"));       // K80
    assertEquals("sm_52", GpuAssignment.requireSupported("5.3"));       // Jetson TX1 runs sm_52 code
    assertEquals("sm_70", GpuAssignment.requireSupported("sm_70"));     // V100
    assertEquals("sm_75", GpuAssignment.requireSupported("75"));        // T4
    assertEquals("sm_80", GpuAssignment.requireSupported("8.0"));       // A100
    assertEquals("sm_86", GpuAssignment.requireSupported("8.6"));       // A10G, RTX 30
    assertEquals("sm_86", GpuAssignment.requireSupported("8.9"));       // L4, RTX 40 (Ada) run sm_86 code
    assertEquals("sm_61", GpuAssignment.requireSupported("sm_62"));
  }

  @Test
  void hopperBlackwellAndOldGpusFailFastWithOneLine() {
    String hopper = assertThrows(IllegalStateException.class, () -> GpuAssignment.requireSupported("9.0")).getMessage();
    assertTrue(hopper.startsWith("GPU compute capability 9.0 (Hopper) is newer than the cuda build"), hopper);
    assertFalse(hopper.contains("\n"));
    assertTrue(assertThrows(IllegalStateException.class, () -> GpuAssignment.requireSupported("sm_100")).getMessage()
        .contains("10.0 (Blackwell)"));
    assertTrue(assertThrows(IllegalStateException.class, () -> GpuAssignment.requireSupported("12.0")).getMessage()
        .contains("(Blackwell)"));
    assertTrue(assertThrows(IllegalStateException.class, () -> GpuAssignment.requireSupported("3.5")).getMessage()
        .contains("older than the cuda build"));
    assertThrows(IllegalArgumentException.class, () -> GpuAssignment.requireSupported("ampere"));
  }
}
