package nomoat.pipeline.data;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import nomoat.pipeline.data.record.RecordFormatName;
import nomoat.pipeline.data.template.TemplateName;
import nomoat.pipeline.source.InputFile;
import nomoat.pipeline.source.ReadResult;
import nomoat.pipeline.source.ReadResults;
import nomoat.pipeline.source.SourceFormat;
import nomoat.pipeline.source.SourceReader;
import nomoat.pipeline.testing.Fixtures;
import nomoat.pipeline.tokenize.HfTokenizer;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * Spark runs several tasks per executor JVM at once, each with its own builder over the JVM's shared tokenizer:
 * builders started together from a cold JVM must give exactly what one builder gives alone.
 */
class ConcurrentBuildTest {

  @Test
  void coldConcurrentBuildersAgreeWithASequentialOne() throws Exception {
    run(false);
  }

  @Test
  void oneBuilderSharedByThreadsAgreesWithASequentialOne() throws Exception {
    run(true);
  }

  private void run(boolean shared) throws Exception {
    var dir = Fixtures.tokenizerDir("tinyllama-1.1b-chat-v1.0");
    byte[] json = Files.readAllBytes(dir.resolve("tokenizer.json"));
    byte[] cfg = Files.readAllBytes(dir.resolve("tokenizer_config.json"));
    List<SourceRow> rows = new ArrayList<>();
    var file = Fixtures.dataset("oasst_en100_best_path_sharegpt.json");
    try (ReadResults it = new SourceReader("oasst", SourceFormat.JSON).read(new Configuration(),
        new InputFile(file.toUri().toString(), Files.size(file)))) {
      it.forEachRemaining(r -> rows.add(((ReadResult.Row) r).row()));
    }
    ExampleSettings settings = new ExampleSettings(RecordFormatName.SHAREGPT, Map.of(), TemplateName.TOKENIZER, null, false, true, 4096, true);
    int threads = 6;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<List<String>>> results = new ArrayList<>();
    ExampleBuilder one = shared ? new ExampleBuilder(settings, HfTokenizer.cached(json, cfg)) : null;
    for (int t = 0; t < threads; t++) {
      results.add(pool.submit(() -> {
        start.await();
        ExampleBuilder b = shared ? one : new ExampleBuilder(settings, HfTokenizer.cached(json, cfg));
        List<String> out = new ArrayList<>();
        for (SourceRow r : rows) out.add(describe(b.build(r)));
        return out;
      }));
    }
    List<List<String>> all = new ArrayList<>();
    for (Future<List<String>> f : results) all.add(f.get());
    pool.shutdown();
    ExampleBuilder alone = new ExampleBuilder(settings, HfTokenizer.cached(json, cfg));
    List<String> expected = new ArrayList<>();
    for (SourceRow r : rows) expected.add(describe(alone.build(r)));
    for (List<String> got : all) {
      for (int i = 0; i < expected.size(); i++) {
        assertEquals(expected.get(i), got.get(i), "row " + rows.get(i).location());
      }
    }
  }

  private static String describe(BuildResult r) {
    if (r instanceof BuildResult.Built b) return Arrays.toString(b.example().inputIds()) + Arrays.toString(b.example().labels());
    return "rejected " + ((BuildResult.Rejected) r).rejection().detail();
  }
}
