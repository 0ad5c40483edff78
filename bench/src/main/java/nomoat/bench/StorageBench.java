package nomoat.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.model.WorkspaceMemory;
import nomoat.pipeline.model.RandomWeights;
import nomoat.pipeline.format.Gguf;
import nomoat.pipeline.format.GgufLlama;
import nomoat.pipeline.format.HfCheckpoint;
import nomoat.pipeline.format.SpmTokenizerJson;
import nomoat.pipeline.format.LoadedModel;
import nomoat.pipeline.format.ModelLoader;
import nomoat.pipeline.format.Safetensors;
import nomoat.pipeline.format.TokenizerFiles;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.Batch;
import nomoat.pipeline.model.EngineOptions;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.model.LlamaWeights;
import nomoat.pipeline.model.LoraInit;
import nomoat.pipeline.model.QuantBlocks;
import nomoat.pipeline.model.WeightStorage;
import nomoat.pipeline.train.AdamW;
import nomoat.pipeline.train.LocalTrainer;
import nomoat.pipeline.train.LrSchedule;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Frozen-weight storage benchmarks (issue 11). Two commands, each one JVM (run it with the memory flags you measure):
 * <ul>
 *   <li>{@code speed [steps]}: cfg B of the engine benchmark (LoRA q,v r=8), random FP32 weights; training steps
 *       alternate between the FP32 model, the same weights in BF16, the same weights quantised to Q8_0, and FP32 with recomputation, so all three see the
 *       same machine load; reports median tokens/s and the ratios.</li>
 *   <li>{@code memory DIR hidden layers heads intermediate vocab seq steps [tokenizerDir]}: writes a random LLaMA
 *       checkpoint of that shape as sharded BF16 safetensors (one shard per layer) into DIR, loads it with
 *       {@code model.weights-dtype = stored} (memory-mapped), runs LoRA q,v r=8 steps at batch 1 with
 *       {@code recompute = layers}, reports peak RSS (VmHWM) and tokens/s, and deletes DIR.</li>
 *   <li>{@code memory-gguf DIR hidden layers heads intermediate vocab seq steps}: the same, with the model written as one
 *       Q8_0 GGUF file (random weights quantised a few rows at a time, streamed to disk; a synthetic SentencePiece
 *       vocabulary) and loaded stored: the Q8_0 blocks are the mapped file's pages.</li>
 * </ul>
 * Prints one JSON object.
 */
public final class StorageBench {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private StorageBench() {}

  public static void main(String[] argv) throws Exception {
    Map<String, Object> out = switch (argv.length == 0 ? "" : argv[0]) {
      case "speed" -> speed(argv.length > 1 ? Integer.parseInt(argv[1]) : 5);
      case "memory-gguf" -> memoryGguf(Path.of(argv[1]), Integer.parseInt(argv[2]), Integer.parseInt(argv[3]), Integer.parseInt(argv[4]),
          Integer.parseInt(argv[5]), Integer.parseInt(argv[6]), Integer.parseInt(argv[7]), Integer.parseInt(argv[8]));
      case "memory" -> memory(Path.of(argv[1]), Integer.parseInt(argv[2]), Integer.parseInt(argv[3]), Integer.parseInt(argv[4]),
          Integer.parseInt(argv[5]), Integer.parseInt(argv[6]), Integer.parseInt(argv[7]), Integer.parseInt(argv[8]),
          argv.length > 9 ? argv[9] : "../shared/fixtures/tokenizers/tinyllama-1.1b-chat-v1.0");
      default -> {
        System.err.println("usage: StorageBench speed [steps] | memory DIR hidden layers heads intermediate vocab seq steps [tokenizerDir]"
            + " | memory-gguf DIR hidden layers heads intermediate vocab seq steps");
        System.exit(2);
        yield null;
      }
    };
    out.put("openblas_coretype", System.getenv("OPENBLAS_CORETYPE"));
    System.out.println(JSON.writeValueAsString(out));
    System.exit(0);
  }

  private static LocalTrainer trainer(LlamaModel model, LlamaConfig c, long seed) {
    LoraSpec spec = new LoraSpec(8, 16, 0.0, BenchModel.targets("qv"), null, false);
    LoraAdapter adapter = LoraInit.create(spec, c, seed, DataType.FLOAT);
    return new LocalTrainer(model, adapter, new LocalTrainer.Settings(AdamW.withWeightDecay(0.0),
        new LrSchedule(LrSchedule.Kind.CONSTANT, 1e-4, 0, 0), 0.0, seed));
  }

  /** cfg B: FP32, BF16 storage, and FP32 with recomputation, steps interleaved. */
  static Map<String, Object> speed(int steps) {
    BenchModel m = BenchModel.B;
    LlamaConfig c = m.toLlamaConfig();
    LlamaWeights fp32 = RandomWeights.llama(c, 1);
    EngineOptions o = EngineOptions.defaults();
    Map<String, LlamaModel> models = new LinkedHashMap<>();
    models.put("float32", new LlamaModel(fp32, o));
    models.put("bfloat16", new LlamaModel(fp32.as(WeightStorage.BFLOAT16), o));
    models.put("q8_0", new LlamaModel(fp32.quantizedQ8_0(), o));
    models.put("float32+recompute", new LlamaModel(fp32, o.withRecompute(true)));
    Map<String, LocalTrainer> trainers = new LinkedHashMap<>();
    models.forEach((k, v) -> trainers.put(k, trainer(v, c, 2)));
    List<Batch> batches = TrainStepBench.randomBatches(m, 3, 2);
    Map<String, double[]> times = new LinkedHashMap<>();
    trainers.keySet().forEach(k -> times.put(k, new double[steps]));
    for (int s = -2; s < steps; s++)                              // two warm-up rounds
      for (Map.Entry<String, LocalTrainer> e : trainers.entrySet()) {
        long t0 = System.nanoTime();
        e.getValue().step(List.of(batches.get(Math.floorMod(s, batches.size()))));
        if (s >= 0) times.get(e.getKey())[s] = (System.nanoTime() - t0) / 1e9;
      }
    long tokens = (long) m.batch() * m.seq();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("kind", "storage-speed");
    out.put("config", "B");
    out.put("targets", "qv r=8");
    out.put("steps_each", steps);
    out.put("threads", o.threads());
    Map<String, Object> tps = new LinkedHashMap<>();
    times.forEach((k, v) -> tps.put(k, tokens / Stats.median(v)));
    out.put("tokens_per_s_median", tps);
    out.put("weights_bytes", Map.of("float32", fp32.storedBytes(), "bfloat16", models.get("bfloat16").weights().storedBytes(),
        "q8_0", models.get("q8_0").weights().storedBytes()));
    out.put("bf16_vs_fp32", (double) tps.get("bfloat16") / (double) tps.get("float32"));
    out.put("q8_0_vs_fp32", (double) tps.get("q8_0") / (double) tps.get("float32"));
    out.put("recompute_vs_none", (double) tps.get("float32+recompute") / (double) tps.get("float32"));
    return out;
  }

  /** Writes, loads (stored, mapped), trains with recomputation, reports peak RSS; deletes the checkpoint. */
  static Map<String, Object> memory(Path dir, int hidden, int layers, int heads, int inter, int vocab, int seq, int steps, String tokDir)
      throws IOException {
    LlamaConfig c = new LlamaConfig(vocab, hidden, inter, layers, heads, heads, hidden / heads, 1e-5, 10000.0, null, Math.max(2048, seq),
        false, false, 1, List.of(2), "bfloat16");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("kind", "storage-memory");
    out.put("shape", Map.of("hidden", hidden, "layers", layers, "heads", heads, "intermediate", inter, "vocab", vocab));
    out.put("seq", seq);
    out.put("batch", 1);
    out.put("targets", "qv r=8");
    out.put("recompute", "layers");
    Configuration conf = new Configuration();
    try {
      long t0 = System.nanoTime();
      long bytes = writeCheckpoint(conf, dir, c, tokDir);
      out.put("checkpoint_bytes", bytes);
      out.put("write_s", (System.nanoTime() - t0) / 1e9);
      out.put("rss_before_load_mib", ProcessMemory.now().rssMib());
      t0 = System.nanoTime();
      LoadedModel loaded = ModelLoader.load(conf, dir.toString(), WeightStorage.STORED);
      out.put("load_s", (System.nanoTime() - t0) / 1e9);
      out.put("weights_bytes_held", loaded.weights().storedBytes());
      trainSteps(loaded, c, new BenchModel("mem", hidden, layers, heads, heads, inter, vocab, seq, 1), steps, out);
      return out;
    } finally {
      deleteRecursively(dir);
    }
  }

  /** {@link #memory} with the model as one Q8_0 GGUF file in DIR (deleted afterwards). */
  static Map<String, Object> memoryGguf(Path dir, int hidden, int layers, int heads, int inter, int vocab, int seq, int steps)
      throws IOException {
    LlamaConfig c = new LlamaConfig(vocab, hidden, inter, layers, heads, heads, hidden / heads, 1e-5, 10000.0, null, Math.max(2048, seq),
        false, false, 1, List.of(2), "float16");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("kind", "storage-memory-gguf");
    out.put("format", "q8_0");
    out.put("shape", Map.of("hidden", hidden, "layers", layers, "heads", heads, "intermediate", inter, "vocab", vocab));
    out.put("seq", seq);
    out.put("batch", 1);
    out.put("targets", "qv r=8");
    out.put("recompute", "layers");
    Configuration conf = new Configuration();
    Path file = dir.resolve("model-q8_0.gguf");
    try {
      Files.createDirectories(dir);
      long t0 = System.nanoTime();
      writeQ8Gguf(conf, file, c);
      out.put("file_bytes", Files.size(file));
      out.put("write_s", (System.nanoTime() - t0) / 1e9);
      out.put("rss_before_load_mib", ProcessMemory.now().rssMib());
      t0 = System.nanoTime();
      LoadedModel loaded = ModelLoader.load(conf, file.toString(), WeightStorage.STORED);
      out.put("load_s", (System.nanoTime() - t0) / 1e9);
      out.put("weights_bytes_held", loaded.weights().storedBytes());
      out.put("memory_after_load_mib", memoryParts(ProcessMemory.now()));
      trainSteps(loaded, c, new BenchModel("mem", hidden, layers, heads, heads, inter, vocab, seq, 1), steps, out);
      return out;
    } finally {
      deleteRecursively(dir);
    }
  }

  /**
   * LoRA q,v r=8 steps with recomputation on the loaded model, one random row of the shape each; puts step times,
   * tokens/s, losses and memory (printing it after each step) into out.
   */
  private static void trainSteps(LoadedModel loaded, LlamaConfig c, BenchModel shape, int steps, Map<String, Object> out) {
    LlamaModel model = new LlamaModel(loaded.weights(), EngineOptions.defaults().withRecompute(true));
    LocalTrainer tr = trainer(model, c, 5);
    List<Batch> batches = TrainStepBench.randomBatches(shape, 6, 2);
    double[] times = new double[steps];
    List<Double> losses = new ArrayList<>();
    for (int s = 0; s < steps; s++) {
      long t0 = System.nanoTime();
      losses.add(tr.step(List.of(batches.get(s % batches.size()))).loss());
      times[s] = (System.nanoTime() - t0) / 1e9;
      System.err.println("storage bench: step " + (s + 1) + " of " + steps + " in " + times[s] + " s, memory " + memoryParts(ProcessMemory.now()));
    }
    out.put("step_s", times);
    out.put("tokens_per_s_median", shape.seq() / Stats.median(times));
    out.put("losses", losses);
    ProcessMemory mem = ProcessMemory.now();
    out.put("rss_end_mib", mem.rssMib());
    out.put("peak_rss_mib", mem.peakRssMib());
    out.put("memory_at_end_mib", memoryParts(mem));
  }

  /**
   * Where resident memory goes (MiB): file pages (mapped weights), anonymous pages, and within the anonymous part the
   * JVM heap, the calling thread's ND4J step workspaces (where a one-row batch's activations live) and JavaCPP's own
   * count (~0 here: ND4J's buffers are not in it); the rest is OpenBLAS, JIT, threads and other ND4J buffers.
   */
  static Map<String, Object> memoryParts(ProcessMemory mem) {
    Runtime rt = Runtime.getRuntime();
    Map<String, Object> parts = new LinkedHashMap<>();
    parts.put("rss", mem.rssMib());
    parts.put("peak_rss", mem.peakRssMib());
    parts.put("rss_file", mem.rssFileMib());
    parts.put("rss_anon", mem.rssAnonMib());
    parts.put("heap_committed", rt.totalMemory() / MIB);
    parts.put("heap_used", (rt.totalMemory() - rt.freeMemory()) / MIB);
    parts.put("javacpp_tracked", org.bytedeco.javacpp.Pointer.totalBytes() / MIB);
    WorkspaceMemory.Held ws = WorkspaceMemory.ofThisThread();
    parts.put("nd4j_workspaces", ws.bytes() / MIB);
    parts.put("nd4j_workspaces_max_cycle", ws.maxCycleBytes() / MIB);
    return parts;
  }

  private static final double MIB = 1024.0 * 1024.0;

  /**
   * Random weights (uniform, std 0.02; norms 1) as a Q8_0 GGUF file, quantised a chunk of rows at a time and streamed:
   * memory use stays a few MB whatever the model's size. The vocabulary is synthetic (byte pieces, then "▁t<i>").
   */
  private static void writeQ8Gguf(Configuration conf, Path file, LlamaConfig c) {
    List<String> pieces = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
    for (int b = 0; b < 256 && pieces.size() < c.vocabSize(); b++) pieces.add(String.format("<0x%02X>", b));
    while (pieces.size() < c.vocabSize()) pieces.add("\u2581t" + pieces.size());
    float[] scores = new float[pieces.size()];
    int[] types = new int[pieces.size()];
    for (int i = 0; i < pieces.size(); i++) {
      scores[i] = -i;
      types[i] = i == 0 ? SpmTokenizerJson.UNKNOWN : i < 3 ? SpmTokenizerJson.CONTROL : i < 259 ? SpmTokenizerJson.BYTE : SpmTokenizerJson.NORMAL;
    }
    SpmTokenizerJson.Vocab vocab = new SpmTokenizerJson.Vocab(pieces, scores, types, 0, 1, 2, null, true, false, true, c.maxPositionEmbeddings(), null);
    List<Gguf.TensorSpec> specs = new ArrayList<>(GgufLlama.tensorSpecs(c, Gguf.GgmlType.Q8_0).values());
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
    float scale = (float) (0.02 * Math.sqrt(12));
    try (Gguf.Writer w = Gguf.create(conf, file.toString(), GgufLlama.metadata(c, vocab, "random-q8_0", 7), specs)) {
      for (Gguf.TensorSpec t : specs) {
        if (t.type() == Gguf.GgmlType.F32) {
          java.nio.ByteBuffer ones = java.nio.ByteBuffer.allocate((int) t.nbytes()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
          for (int i = 0; i < t.numel(); i++) ones.putFloat(1f);
          w.write(t.name(), ones.array(), 0, ones.capacity());
          continue;
        }
        int cols = (int) t.shape()[1], rows = (int) t.shape()[0], chunkRows = Math.max(1, (1 << 20) / cols);
        float[] x = new float[chunkRows * cols];
        byte[] q = new byte[(int) QuantBlocks.q8_0Bytes(x.length)];
        for (int r0 = 0; r0 < rows; r0 += chunkRows) {
          int n = Math.min(chunkRows, rows - r0) * cols;
          for (int i = 0; i < n; i++) x[i] = ((float) rnd.nextDouble() - 0.5f) * scale;
          QuantBlocks.quantizeQ8_0(x, 0, n, q, 0);
          w.write(t.name(), q, 0, (int) QuantBlocks.q8_0Bytes(n));
        }
      }
    }
  }

  /** Random weights (uniform, std 0.02) as BF16 safetensors, one shard per layer, with an index; returns bytes written. */
  private static long writeCheckpoint(Configuration conf, Path dir, LlamaConfig c, String tokDir) throws IOException {
    Files.createDirectories(dir);
    Map<String, long[]> shapes = HfCheckpoint.expectedShapes(c);
    Map<String, Map<String, long[]>> shards = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      String name = e.getKey();
      String shard = name.startsWith("model.layers.") ? "layer-" + name.split("\\.")[2] : "outer";
      shards.computeIfAbsent(shard, k -> new LinkedHashMap<>()).put(name, e.getValue());
    }
    ObjectNode index = JSON.createObjectNode();
    ObjectNode map = index.putObject("weight_map");
    long total = 0;
    int i = 0;
    for (Map<String, long[]> tensors : shards.values()) {
      String file = String.format("model-%05d-of-%05d.safetensors", ++i, shards.size());
      Map<String, INDArray> t = new TreeMap<>();
      tensors.forEach((name, shape) -> {
        t.put(name, name.endsWith("norm.weight") ? Nd4j.ones(DataType.FLOAT, shape)
            : Nd4j.rand(DataType.FLOAT, shape).subi(0.5).muli(0.02 * Math.sqrt(12)));
        map.put(name, file);
      });
      Safetensors.write(conf, dir.resolve(file).toString(), t, Safetensors.Dtype.BF16, null);
      total += Files.size(dir.resolve(file));
      t.clear();
      System.gc();
    }
    index.putObject("metadata").put("total_size", total);
    Files.write(dir.resolve(HfCheckpoint.INDEX), JSON.writeValueAsBytes(index));
    Files.write(dir.resolve(HfCheckpoint.CONFIG), HfCheckpoint.configJson(c));
    for (Map.Entry<String, byte[]> f : TokenizerFiles.all(conf, tokDir).entrySet()) Files.write(dir.resolve(f.getKey()), f.getValue());
    return total;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
