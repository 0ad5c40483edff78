package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * train with data, model, output and checkpoints on a real HDFS (MiniDFSCluster) and a real S3 API (s3proxy):
 * committed output, committed checkpoints, and the same adapter bytes as the run on the local file system.
 */
@Tag("slow")
@Tag("integration")
class TrainOnHdfsAndS3Test {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"hdfs", "s3a"})
  void trainsFromAndToRemoteStorage(String scheme) throws Exception {
    String data = TrainFixtures.prepared();
    Configuration conf = LocalSpark.get().sparkContext().hadoopConfiguration();
    S3.configure(conf);
    String base = (scheme.equals("hdfs") ? Hdfs.uri() + "/nomoat-train" : S3.uri("nomoat-train")) + "-" + System.nanoTime();
    String remoteData = base + "/data", remoteModel = base + "/model/stories260K.gguf", remoteOut = base + "/out";
    org.apache.hadoop.fs.Path dst = new org.apache.hadoop.fs.Path(remoteData);
    FileUtil.copy(FileSystem.getLocal(conf), new org.apache.hadoop.fs.Path(data), dst.getFileSystem(conf), dst, false, conf);
    org.apache.hadoop.fs.Path model = new org.apache.hadoop.fs.Path(remoteModel);
    FileUtil.copy(FileSystem.getLocal(conf), new org.apache.hadoop.fs.Path(TrainFixtures.MODEL), model.getFileSystem(conf), model, false, conf);

    String local = tmp.resolve("local").toUri().toString();
    assertEquals(0, cli(data, TrainFixtures.MODEL, local));
    assertEquals(0, cli(remoteData, remoteModel, remoteOut));

    FileSystem fs = new org.apache.hadoop.fs.Path(remoteOut).getFileSystem(conf);
    assertTrue(fs.exists(new org.apache.hadoop.fs.Path(remoteOut + "/_SUCCESS")));
    assertTrue(fs.exists(new org.apache.hadoop.fs.Path(remoteOut + "/checkpoints/step-000004")), "committed checkpoint on " + scheme);
    byte[] remoteAdapter;
    try (var in = fs.open(new org.apache.hadoop.fs.Path(remoteOut + "/adapter/adapter_model.safetensors"))) {
      remoteAdapter = in.readAllBytes();
    }
    assertArrayEquals(Files.readAllBytes(tmp.resolve("local/adapter/adapter_model.safetensors")), remoteAdapter,
        "same adapter as on the local file system");
    // the model copied to HDFS/S3 is the same model: its content fingerprint (what resume compares) is the local one's
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    String localFp = json.readTree(tmp.resolve("local/run.json").toFile()).at("/inputs/model/fingerprint_sha256").asText();
    try (var in = fs.open(new org.apache.hadoop.fs.Path(remoteOut + "/run.json"))) {
      assertEquals(localFp, json.readTree(in).at("/inputs/model/fingerprint_sha256").asText(), "model fingerprint on " + scheme);
    }
    assertEquals(64, localFp.length());
  }

  private static int cli(String data, String model, String output) {
    List<String> a = new ArrayList<>(List.of("train"));
    a.addAll(TrainJobTest.base(data, output, "train.workers=2", "train.max-steps=4", "train.checkpoint-every=2"));
    a.replaceAll(s -> s.startsWith("model.path=") ? "model.path=" + model : s);
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(a.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    if (code != 0) fail("exit " + code + ": " + err);
    return code;
  }
}
