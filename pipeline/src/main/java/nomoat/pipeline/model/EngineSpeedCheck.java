package nomoat.pipeline.model;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraInit;
import nomoat.pipeline.lora.LoraSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Times ForwardBackward.run on random weights. Usage: EngineSpeedCheck [A|B] [steps] [qv|all7] [dropout].
 * cfg A: hidden 256, 4 layers, 4 heads, intermediate 688, vocab 8000, seq 256, batch 4, LoRA r=8 on q,v.
 * cfg B: hidden 512, 8 layers, 8 heads, intermediate 1376, vocab 32000, same batch and LoRA.
 * Run with OPENBLAS_CORETYPE=SkylakeX on AVX-512 machines and OMP_NUM_THREADS=1 (the engine parallelises over batch
 * rows itself; -Dnomoat.engine.threads=N sets how many threads, default = available processors).
 */
public final class EngineSpeedCheck {
  private EngineSpeedCheck() {}

  public static void main(String[] args) {
    String cfg = args.length > 0 ? args[0] : "A";
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Set<String> targets = args.length > 2 && args[2].equals("all7") ? Set.copyOf(LoraSpec.ALL_MODULES) : Set.of("q_proj", "v_proj");
    double dropout = args.length > 3 ? Double.parseDouble(args[3]) : 0.0;
    boolean b = cfg.equalsIgnoreCase("B");
    LlamaConfig c = b
        ? new LlamaConfig(32000, 512, 1376, 8, 8, 8, 64, 1e-5, 10000, null, 2048, false, false, 1, List.of(2), "float32")
        : new LlamaConfig(8000, 256, 688, 4, 4, 4, 64, 1e-5, 10000, null, 2048, false, false, 1, List.of(2), "float32");
    int batch = 4, seq = 256;
    LlamaModel model = new LlamaModel(randomWeights(c, 1));
    LoraAdapter ad = LoraInit.create(new LoraSpec(8, 16, dropout, targets, null, false), c, 1);
    Random rnd = new Random(3);
    int[] ids = new int[batch * seq];
    for (int i = 0; i < ids.length; i++) ids[i] = rnd.nextInt(c.vocabSize());
    Batch bt = new Batch(batch, seq, ids, ids.clone(), null, null, null);
    for (int i = 0; i < 2; i++) ForwardBackward.run(model, List.of(), ad, bt, i);
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long t0 = System.nanoTime(), c0 = os.getProcessCpuTime();
    double loss = 0;
    for (int i = 0; i < steps; i++) loss = ForwardBackward.run(model, List.of(), ad, bt, i).meanLoss();
    double sec = (System.nanoTime() - t0) / 1e9 / steps, cpu = (os.getProcessCpuTime() - c0) / 1e9 / steps;
    System.out.printf("cfg %s %s dropout %.2f, %d engine threads: %.1f ms/step wall, %.0f tokens/s; process CPU %.1f ms/step (loss %.4f)%n", cfg, targets.size() == 2 ? "qv" : "all7", dropout, EngineThreads.get(), sec * 1e3,
        batch * seq / sec, cpu * 1e3, loss);
  }

  static LlamaWeights randomWeights(LlamaConfig c, long seed) {
    Nd4j.getRandom().setSeed(seed);
    Map<String, INDArray> t = new TreeMap<>();
    int h = c.hiddenSize();
    t.put("model.embed_tokens.weight", Nd4j.randn(DataType.FLOAT, c.vocabSize(), h));
    t.put("lm_head.weight", Nd4j.randn(DataType.FLOAT, c.vocabSize(), h).divi(Math.sqrt(h)));
    t.put("model.norm.weight", Nd4j.ones(DataType.FLOAT, h));
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "model.layers." + i + ".";
      t.put(p + "input_layernorm.weight", Nd4j.ones(DataType.FLOAT, h));
      t.put(p + "post_attention_layernorm.weight", Nd4j.ones(DataType.FLOAT, h));
      for (String m : LoraSpec.ALL_MODULES) {
        int[] io = LoraInit.inOut(c, m);
        t.put(LoraAdapter.modulePath(i, m) + ".weight", Nd4j.randn(DataType.FLOAT, io[1], io[0]).divi(Math.sqrt(io[0])));
      }
    }
    return new LlamaWeights(c, t);
  }
}
