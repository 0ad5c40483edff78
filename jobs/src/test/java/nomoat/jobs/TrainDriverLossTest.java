package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import nomoat.pipeline.train.Checkpoints;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The `nomoat train` driver JVM SIGKILLed once its first checkpoint is committed; rerunning with --resume auto finishes
 * and the adapter is bitwise equal to an uninterrupted run's.
 */
@Tag("slow")
@Tag("integration")
class TrainDriverLossTest {
  @TempDir Path tmp;

  List<String> args(String output, String... more) throws Exception {
    List<String> a = new ArrayList<>(List.of("train"));
    a.addAll(TrainJobTest.base(TrainFixtures.prepared(), tmp.resolve(output).toUri().toString(), "train.workers=2",
        "train.max-steps=8", "train.checkpoint-every=2", "train.keep-checkpoints=3"));
    a.addAll(List.of(more));
    return a;
  }

  int inProcess(List<String> a) {
    LocalSpark.get();
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(a.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(0, code, err.toString());
    return code;
  }

  @Test
  void killedDriverResumesToTheSameAdapter() throws Exception {
    inProcess(args("full"));

    // the CLI as its own JVM, on local[2], killed with SIGKILL after its first committed checkpoint
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
    cmd.addAll(List.of(StandaloneCluster.JAVA_OPENS.split(" ")));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "nomoat.jobs.Main"));
    cmd.addAll(args("killed", "spark.master=local[2]", "spark.conf.\"spark.ui.enabled\"=false",
        "spark.conf.\"spark.driver.host\"=127.0.0.1", "spark.conf.\"spark.driver.bindAddress\"=127.0.0.1"));
    Path log = tmp.resolve("child.log");
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    String checkpoints = Checkpoints.dirFor(tmp.resolve("killed").toUri().toString());
    Configuration conf = new Configuration();
    try {
      long deadline = System.currentTimeMillis() + 300_000;
      String newest = null;
      while (child.isAlive() && System.currentTimeMillis() < deadline && (newest = Checkpoints.newest(conf, checkpoints)) == null)
        Thread.sleep(100);
      assertTrue(child.isAlive(), "the child was still training when its first checkpoint appeared:\n" + Files.readString(log));
      assertNotNull(newest, "a committed checkpoint within 5 minutes:\n" + Files.readString(log));
      child.destroyForcibly();                 // SIGKILL: no shutdown hooks, nothing cleaned up
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    } finally {
      child.destroyForcibly();
    }
    assertFalse(Files.exists(tmp.resolve("killed/_SUCCESS")), "the killed run committed nothing");

    inProcess(args("killed", "--resume", "auto"));
    assertTrue(Files.exists(tmp.resolve("killed/_SUCCESS")));
    assertArrayEquals(Files.readAllBytes(tmp.resolve("full/adapter/adapter_model.safetensors")),
        Files.readAllBytes(tmp.resolve("killed/adapter/adapter_model.safetensors")), "resumed adapter is bitwise the uninterrupted one");
  }
}
