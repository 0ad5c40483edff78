package nomoat.pipeline.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingSparkChecksTest {
  private static final long MIB = 1L << 20;
  /** cfg-A-sized adapter (0.6 MB), 100 MB model off-heap, 2 engine threads, 2 workers. */
  private static final TrainingSparkChecks.Inputs SMALL = new TrainingSparkChecks.Inputs(624_640, 100 * MIB, 2, 2);

  private static Map<String, String> good(String... kv) {
    Map<String, String> conf = new HashMap<>(Map.of("spark.master", "spark://10.0.0.1:7077", "spark.executor.cores", "2",
        "spark.task.cpus", "2"));
    for (int i = 0; i < kv.length; i += 2) conf.put(kv[i], kv[i + 1]);
    return conf;
  }

  private static TrainingSparkChecks.Result check(Map<String, String> conf, TrainingSparkChecks.Inputs in) {
    return TrainingSparkChecks.check(conf, in);
  }

  @Test
  void aSoundConfigPassesClean() {
    TrainingSparkChecks.Result r = check(good(), SMALL);
    assertEquals(List.of(), r.errors());
    assertEquals(List.of(), r.warnings());
    assertTrue(r.ok());
  }

  @Test
  void dynamicAllocationIsAnError() {
    TrainingSparkChecks.Result r = check(good("spark.dynamicAllocation.enabled", "true"), SMALL);
    assertEquals(1, r.errors().size());
    assertTrue(r.errors().get(0).startsWith("spark.dynamicAllocation.enabled=true"), r.errors().get(0));
    assertTrue(check(good("spark.dynamicAllocation.enabled", "false"), SMALL).ok());
  }

  @Test
  void speculationIsAWarning() {
    TrainingSparkChecks.Result r = check(good("spark.speculation", "true"), SMALL);
    assertTrue(r.ok());
    assertEquals(1, r.warnings().size());
    assertTrue(r.warnings().get(0).startsWith("spark.speculation=true"));
  }

  @Test
  void moreThanOneTaskSlotPerExecutorIsAnError() {
    TrainingSparkChecks.Result r = check(good("spark.executor.cores", "4", "spark.task.cpus", "2"), SMALL);
    assertEquals(1, r.errors().size(), r.toString());
    assertTrue(r.errors().get(0).startsWith("spark.executor.cores=4 with spark.task.cpus=2 gives 2 task slots"), r.errors().get(0));
    // 3 cores / 2 cpus = 1 slot (Spark floors): allowed, the odd core idles
    assertTrue(check(good("spark.executor.cores", "3", "spark.task.cpus", "2"), SMALL).ok());
  }

  @Test
  void unsetExecutorCoresWarnsOnAClusterButNotLocally() {
    Map<String, String> conf = good();
    conf.remove("spark.executor.cores");
    assertTrue(check(conf, SMALL).warnings().stream().anyMatch(w -> w.startsWith("spark.executor.cores is not set")));
    conf.put("spark.master", "local[2]");
    assertEquals(List.of(), check(conf, SMALL).warnings());
  }

  @Test
  void taskCpusAgainstEngineThreads() {
    TrainingSparkChecks.Result fewer = check(good("spark.executor.cores", "1", "spark.task.cpus", "1"), SMALL);
    assertTrue(fewer.ok());
    assertTrue(fewer.warnings().get(0).startsWith("spark.task.cpus=1 but the engine runs 2 threads"), fewer.warnings().toString());
    TrainingSparkChecks.Result more = check(good("spark.executor.cores", "4", "spark.task.cpus", "4"), SMALL);
    assertTrue(more.warnings().get(0).contains("2 reserved core(s) stay idle"), more.warnings().toString());
  }

  @Test
  void fewerExecutorsThanWorkersWarns() {
    TrainingSparkChecks.Result r = check(good("spark.executor.instances", "2"), new TrainingSparkChecks.Inputs(624_640, 100 * MIB, 2, 5));
    assertTrue(r.warnings().get(0).startsWith("spark.executor.instances=2 is below train.workers=5: each step runs its tasks in 3 waves"));
  }

  @Test
  void maxResultSizeMustHoldOneStepsGradients() {
    // a 16 MiB float adapter -> 32 MiB of double gradient sums per task; 8 tasks = 256 MiB
    TrainingSparkChecks.Inputs big = new TrainingSparkChecks.Inputs(16 * MIB, 100 * MIB, 2, 8);
    assertTrue(check(good(), big).ok(), "the 1g default holds 256 MiB");
    TrainingSparkChecks.Result r = check(good("spark.driver.maxResultSize", "200m"), big);
    assertEquals(1, r.errors().size());
    assertEquals("spark.driver.maxResultSize=200m is below one step's gradient results (8 tasks x 32.0 MiB); set it to at least 512m",
        r.errors().get(0));
    assertTrue(check(good("spark.driver.maxResultSize", "0"), big).ok(), "0 = unlimited");
    // no suffix = bytes for this key
    assertFalse(check(good("spark.driver.maxResultSize", "1000000"), big).ok());
    assertFalse(check(good("spark.master", "local[2]", "spark.driver.maxResultSize", "200m"), big).ok(), "local mode too");
  }

  @Test
  void rpcMessageSizeBelowOneResultWarns() {
    TrainingSparkChecks.Inputs big = new TrainingSparkChecks.Inputs(100 * MIB, 100 * MIB, 2, 2);   // 200 MiB result per task
    TrainingSparkChecks.Result r = check(good(), big);
    assertTrue(r.ok(), r.toString());
    assertTrue(r.warnings().get(0).startsWith("spark.rpc.message.maxSize=128 (MiB) is below one task's gradient result (200.0 MiB)"),
        r.warnings().toString());
    assertTrue(r.warnings().get(0).endsWith("set it to 201 if that costs time"), r.warnings().get(0));
    assertEquals(List.of(), check(good("spark.rpc.message.maxSize", "256", "spark.task.maxDirectResultSize", "128m"), big).warnings());
  }

  @Test
  void resultsAboveTheDirectResultSizeWarn() {
    TrainingSparkChecks.Inputs mid = new TrainingSparkChecks.Inputs(16 * MIB, 100 * MIB, 2, 2);    // a 7B q,v r=8 adapter
    TrainingSparkChecks.Result r = check(good(), mid);                                            // Spark's default: 1m
    assertTrue(r.ok(), r.toString());
    assertEquals(1, r.warnings().size(), r.warnings().toString());
    assertTrue(r.warnings().get(0).startsWith("spark.task.maxDirectResultSize=1m is below one task's gradient result (at least 16.0 MiB)"),
        r.warnings().get(0));
    assertTrue(r.warnings().get(0).contains("set it (before the executors start) to " + TrainingSparkChecks.MAX_DIRECT_RESULT), r.warnings().get(0));
    assertEquals(List.of(), check(good("spark.task.maxDirectResultSize", TrainingSparkChecks.MAX_DIRECT_RESULT), mid).warnings());
    assertEquals(List.of(), check(good(), SMALL).warnings(), "a 0.6 MB adapter's results fit Spark's default");
  }

  @Test
  void memoryOverheadAgainstTheModelsOffHeapSize() {
    TrainingSparkChecks.Inputs model = new TrainingSparkChecks.Inputs(624_640, 600 * MIB, 2, 2);
    // default overhead: max(384 MiB, 10% of 1g) = 384 MiB < 600 MiB; a warning on standalone, an error on YARN
    TrainingSparkChecks.Result standalone = check(good(), model);
    assertTrue(standalone.ok());
    assertTrue(standalone.warnings().get(0).startsWith("spark.executor.memoryOverhead=384.0 MiB (default) is below the model's off-heap size (600.0 MiB)"),
        standalone.warnings().toString());
    TrainingSparkChecks.Result yarn = check(good("spark.master", "yarn"), model);
    assertTrue(yarn.errors().get(0).endsWith("set it to at least 984m or the cluster manager kills the executors"), yarn.errors().toString());
    // explicit overhead (no suffix = MiB for this key) and the factor of a large executor both count
    assertTrue(check(good("spark.master", "yarn", "spark.executor.memoryOverhead", "1024"), model).ok());
    assertTrue(check(good("spark.master", "yarn", "spark.executor.memory", "8g"), model).ok(), "10% of 8g = 819 MiB");
    assertFalse(check(good("spark.master", "yarn", "spark.executor.memory", "8g", "spark.executor.memoryOverheadFactor", "0.05"), model).ok());
    // local mode: the model lives in the driver JVM, no overhead to check
    assertEquals(List.of(), check(good("spark.master", "local[2]"), model).warnings());
  }

  @Test
  void malformedValuesAreOneErrorNamingTheKey() {
    assertEquals(List.of("spark.driver.maxResultSize=1.5g: fractional values are not supported"),
        check(good("spark.driver.maxResultSize", "1.5g"), SMALL).errors());
    assertEquals(List.of("spark.task.cpus=two: expected a positive integer"), check(good("spark.task.cpus", "two"), SMALL).errors());
    assertEquals(List.of("spark.speculation=yes: expected true or false"), check(good("spark.speculation", "yes"), SMALL).errors());
  }

  @Test
  void parsesSizesAsSparkDoes() {
    assertEquals(512L << 20, TrainingSparkChecks.parseSize("k", "512m", 1));
    assertEquals(512L << 20, TrainingSparkChecks.parseSize("k", "512MB", 1));
    assertEquals(4L << 30, TrainingSparkChecks.parseSize("k", " 4g ", 1));
    assertEquals(2L << 40, TrainingSparkChecks.parseSize("k", "2t", 1));
    assertEquals(3L << 10, TrainingSparkChecks.parseSize("k", "3k", 1));
    assertEquals(100, TrainingSparkChecks.parseSize("k", "100b", 1L << 20));
    assertEquals(100L << 20, TrainingSparkChecks.parseSize("k", "100", 1L << 20), "default unit");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingSparkChecks.parseSize("spark.x", "12q", 1));
    assertEquals("spark.x=12q: unknown size suffix 'q'", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TrainingSparkChecks.parseSize("spark.x", "-1g", 1));
    assertThrows(IllegalArgumentException.class, () -> TrainingSparkChecks.parseSize("spark.x", "99999999p", 1));
  }
}
