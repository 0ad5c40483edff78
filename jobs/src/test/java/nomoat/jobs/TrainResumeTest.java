package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import nomoat.pipeline.train.Checkpoints;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints and --resume: a resumed run ends bitwise equal to the uninterrupted one; bad checkpoints are refused. */
@Tag("integration")
@Tag("slow")
class TrainResumeTest {
  @TempDir Path tmp;

  record Result(int code, String out, String err) {}

  Result cli(String output, String... more) throws IOException {
    List<String> args = new ArrayList<>(List.of("train"));
    args.addAll(TrainJobTest.base(TrainFixtures.prepared(), tmp.resolve(output).toUri().toString(), "train.workers=2",
        "train.max-steps=6", "train.checkpoint-every=3", "train.keep-checkpoints=2"));
    args.addAll(List.of(more));
    LocalSpark.get();
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  static void copyDir(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(target); else Files.copy(p, target);
      }
    }
  }

  byte[] adapterBytes(String output) throws IOException {
    return Files.readAllBytes(tmp.resolve(output + "/adapter/adapter_model.safetensors"));
  }

  Path inProgressDir(String output) {
    return Path.of(java.net.URI.create(Checkpoints.dirFor(tmp.resolve(output).toUri().toString())));
  }

  @Test
  void resumedRunsEndBitwiseEqualAndBadCheckpointsAreRefused() throws Exception {
    Result full = cli("full");
    assertEquals(0, full.code(), full.err());
    Path step3 = tmp.resolve("full/checkpoints/step-000003"), step6 = tmp.resolve("full/checkpoints/step-000006");
    assertTrue(Files.exists(step3.resolve(Checkpoints.MARKER)) && Files.exists(step6.resolve(Checkpoints.MARKER)));
    assertTrue(Files.exists(step3.resolve("optimizer.safetensors")) && Files.exists(step3.resolve("trainer_state.json")));
    assertTrue(Files.readString(step3.resolve("trainer_state.json")).contains("\"step_in_epoch\" : 3"));
    assertFalse(Files.exists(inProgressDir("full")), "in-progress checkpoints moved into the committed output");

    // --resume PATH from step 3 into a fresh output
    Result resumed = cli("resumed", "--resume", step3.toString());
    assertEquals(0, resumed.code(), resumed.err());
    assertTrue(resumed.out().contains("resuming from"), resumed.out());
    assertArrayEquals(adapterBytes("full"), adapterBytes("resumed"), "resumed adapter is bitwise the uninterrupted one");
    assertEquals(Files.readAllLines(tmp.resolve("full/metrics.jsonl")).size(), Files.readAllLines(tmp.resolve("resumed/metrics.jsonl")).size());

    // --resume auto: the newest COMMITTED checkpoint of the output (an uncommitted step 5 is ignored)
    Path auto = inProgressDir("auto");
    copyDir(step3, auto.resolve("step-000003"));
    copyDir(step6, auto.resolve("step-000005"));
    Files.delete(auto.resolve("step-000005/" + Checkpoints.MARKER));
    Files.deleteIfExists(auto.resolve("step-000005/." + Checkpoints.MARKER + ".crc"));
    Result autoRun = cli("auto", "--resume", "auto");
    assertEquals(0, autoRun.code(), autoRun.err());
    assertTrue(autoRun.out().contains("step-000003"), autoRun.out());
    assertArrayEquals(adapterBytes("full"), adapterBytes("auto"));

    // a checkpoint from another config is refused naming what differs
    Result otherConfig = cli("other", "--resume", step3.toString(), "lora.alpha=16");
    assertEquals(3, otherConfig.code(), otherConfig.err());
    assertTrue(otherConfig.err().contains("config differs"), otherConfig.err());

    // a committed but damaged checkpoint is reported, not silently skipped
    Path damaged = inProgressDir("damaged");
    copyDir(step3, damaged.resolve("step-000003"));
    Path weights = damaged.resolve("step-000003/adapter/adapter_model.safetensors");
    byte[] w = Files.readAllBytes(weights);
    Files.write(weights, java.util.Arrays.copyOf(w, w.length / 2));
    Files.deleteIfExists(damaged.resolve("step-000003/adapter/.adapter_model.safetensors.crc"));
    Result bad = cli("damaged", "--resume", "auto");
    assertEquals(4, bad.code(), bad.err());
    assertTrue(bad.err().contains("is damaged") && bad.err().contains("step-000003"), bad.err());
    assertFalse(Files.exists(tmp.resolve("damaged/_SUCCESS")));
  }

  /**
   * With 4 workers Spark delivers task results in any order; the fixed summation tree makes the resumed run bitwise the
   * uninterrupted one anyway. The base model is recognised by content: a copy elsewhere resumes, a changed one is refused.
   */
  @Test
  void fourWorkersResumeBitwiseAndTheModelIsKnownByContent() throws Exception {
    Result full = cli("full3", "train.workers=4", "train.max-steps=4", "train.checkpoint-every=2");
    assertEquals(0, full.code(), full.err());
    Path step2 = tmp.resolve("full3/checkpoints/step-000002");
    assertTrue(Files.exists(step2.resolve(Checkpoints.MARKER)));

    Path copy = Files.createDirectories(tmp.resolve("models-elsewhere")).resolve("stories260K.gguf");
    Files.copy(Path.of(TrainFixtures.MODEL), copy);
    Files.setLastModifiedTime(copy, java.nio.file.attribute.FileTime.fromMillis(946_684_800_000L));
    Result resumed = cli("resumed3", "train.workers=4", "train.max-steps=4", "train.checkpoint-every=2", "model.path=" + copy.toUri(),
        "--resume", step2.toString());
    assertEquals(0, resumed.code(), resumed.err());
    assertArrayEquals(adapterBytes("full3"), adapterBytes("resumed3"), "4 workers: resumed adapter is bitwise the uninterrupted one");
    String fingerprint = "\"fingerprint_sha256\":\"" + com.fasterxml.jackson.databind.json.JsonMapper.builder().build()
        .readTree(tmp.resolve("full3/run.json").toFile()).at("/inputs/model/fingerprint_sha256").asText() + "\"";
    assertTrue(Files.readString(tmp.resolve("resumed3/run.json")).replace(" ", "").contains(fingerprint), "same model fingerprint");

    byte[] changed = Files.readAllBytes(copy);
    changed[changed.length - 1001] ^= 1;                    // one low bit of one weight
    Files.write(copy, changed);
    Result other = cli("other3", "train.workers=4", "train.max-steps=4", "train.checkpoint-every=2", "model.path=" + copy.toUri(),
        "--resume", step2.toString());
    assertEquals(3, other.code(), other.err());
    assertTrue(other.err().contains("base model differs"), other.err());
  }
}
