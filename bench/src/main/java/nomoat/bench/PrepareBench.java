package nomoat.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import nomoat.jobs.PrepareJob;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.ConfigLoader;
import nomoat.pipeline.config.NomoatConfig;
import nomoat.pipeline.data.BuildResult;
import nomoat.pipeline.data.ExampleBuilder;
import nomoat.pipeline.data.ExampleSettings;
import nomoat.pipeline.data.SourceRow;
import nomoat.pipeline.data.record.RecordFormatName;
import nomoat.pipeline.data.template.TemplateName;
import nomoat.pipeline.tokenize.HfTokenizer;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark of the prepare stage: end-to-end tokens/s per core on local[N] beside raw DJL tokenizer throughput on the
 * same texts, measured in the same run (the machine is shared and noisy: the ratio is what counts).
 * The dataset is generated: the fixture Alpaca rows (Self-Instruct + GSM8K) varied by index, written as JSONL files.
 */
final class PrepareBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param overhead median over runs of (raw tokens/s per core) / (end-to-end tokens/s per core) - 1, each run's raw
   *                 rate measured right before its Spark run so both see the same machine noise
   */
  record Result(long rows, long tokens, double medianSeconds, int cores, double endToEndTokensPerSecondPerCore,
                double rawTokensPerSecond, double builderTokensPerSecond, double overhead, List<Double> runs,
                List<Double> runOverheads) {}

  static Result run(Path fixtures, Path work, int rows, int files, int cores, int runs, TemplateName template) throws Exception {
    Path tokDir = fixtures.resolve("tokenizers/tinyllama-1.1b-chat-v1.0");
    if (!Files.isRegularFile(tokDir.resolve("tokenizer.json")))
      throw new NomoatException(NomoatException.ExitCode.INPUT_DATA, "bench prepare: no fixtures at " + fixtures
          + " (" + fixtures.relativize(tokDir.resolve("tokenizer.json")) + " is missing); set NOMOAT_FIXTURES or --fixtures");
    List<JsonNode> base = new ArrayList<>();
    for (String f : List.of("self_instruct_seed_tasks_alpaca.json", "gsm8k_train_first300_alpaca.json")) {
      JSON.readTree(fixtures.resolve("datasets/" + f).toFile()).forEach(base::add);
    }
    Path data = work.resolve("input");
    Files.createDirectories(data);
    List<String> texts = new ArrayList<>();
    List<SourceRow> sample = new ArrayList<>();
    BufferedWriter[] writers = new BufferedWriter[files];
    for (int i = 0; i < files; i++) writers[i] = Files.newBufferedWriter(data.resolve(String.format("part-%03d.jsonl", i)), StandardCharsets.UTF_8);
    for (int i = 0; i < rows; i++) {
      ObjectNode row = (ObjectNode) base.get(i % base.size()).deepCopy();
      row.put("instruction", row.get("instruction").asText() + " (variant " + i + ")");
      writers[i % files].write(JSON.writeValueAsString(row));
      writers[i % files].write('\n');
      if (i < 20_000) {
        texts.add(row.get("instruction").asText() + "\n" + row.get("input").asText() + "\n" + row.get("output").asText());
        sample.add(new SourceRow("bench", "row " + i, JSON.convertValue(row, Map.class), null));
      }
    }
    for (BufferedWriter w : writers) w.close();

    HuggingFaceTokenizer raw = HuggingFaceTokenizer.newInstance(tokDir.resolve("tokenizer.json"), Map.of());
    for (int i = 0; i < Math.min(2000, texts.size()); i++) raw.encode(texts.get(i)); // small --rows: warm up on what there is

    // The builder alone (template + tokenize with offsets + mask), one thread, same rows.
    double builderTps;
    {
      HfTokenizer tok = HfTokenizer.fromDirectory(tokDir);
      ExampleBuilder builder = new ExampleBuilder(new ExampleSettings(RecordFormatName.ALPACA, Map.of(), template, null, false, true, 2048, false), tok);
      for (int i = 0; i < Math.min(2000, sample.size()); i++) builder.build(sample.get(i));
      long t = System.nanoTime();
      long tokens = 0;
      for (SourceRow r : sample) tokens += ((BuildResult.Built) builder.build(r)).example().numTokens();
      builderTps = tokens / ((System.nanoTime() - t) / 1e9);
    }

    SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("nomoat bench prepare")
        .config("spark.ui.enabled", "false").getOrCreate();
    List<Double> seconds = new ArrayList<>(), rawRates = new ArrayList<>(), overheads = new ArrayList<>();
    long tokens = 0;
    try {
      for (int r = 0; r < runs; r++) {
        double rawTps = rawTokensPerSecondPerCore(raw, texts, cores);
        NomoatConfig config = ConfigLoader.load((Path) null, List.of(
            "prepare.output=" + work.resolve("out").toUri(),
            "prepare.tokenizer=" + tokDir.toUri(),
            "prepare.template=\"" + template.code() + "\"",
            "prepare.max-length=2048",
            "prepare.sources=[{name = bench, paths = [\"" + data.toUri() + "\"], file-format = jsonl, record-format = alpaca}]"));
        long t = System.nanoTime();
        PrepareJob.Summary s = PrepareJob.run(spark, config, true);
        double secs = (System.nanoTime() - t) / 1e9;
        tokens = s.tokens();
        seconds.add(secs);
        rawRates.add(rawTps);
        overheads.add(rawTps / (tokens / secs / cores) - 1);
      }
    } finally {
      spark.stop();
      raw.close();
    }
    double median = median(seconds);
    double e2e = tokens / median / cores;
    return new Result(rows, tokens, median, cores, e2e, median(rawRates), builderTps, median(overheads), seconds, overheads);
  }

  /**
   * Raw DJL tokenization of the same texts on as many threads as Spark gets cores, per core: both sides then see the
   * same share of a shared machine.
   */
  private static double rawTokensPerSecondPerCore(HuggingFaceTokenizer raw, List<String> texts, int cores) throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(cores);
    try {
      List<java.util.concurrent.Future<Long>> parts = new ArrayList<>();
      long t = System.nanoTime();
      for (int c = 0; c < cores; c++) {
        int from = c * texts.size() / cores, to = (c + 1) * texts.size() / cores;
        parts.add(pool.submit(() -> {
          long n = 0;
          for (String s : texts.subList(from, to)) n += raw.encode(s).getIds().length;
          return n;
        }));
      }
      long tokens = 0;
      for (java.util.concurrent.Future<Long> f : parts) tokens += f.get();
      return tokens / ((System.nanoTime() - t) / 1e9) / cores;
    } finally {
      pool.shutdown();
    }
  }

  static double median(List<Double> xs) {
    return Stats.median(xs.stream().mapToDouble(Double::doubleValue).toArray());
  }
}
