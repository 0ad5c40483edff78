package nomoat.pipeline.model;

import java.util.ArrayList;
import java.util.List;
import nomoat.pipeline.lora.LoraAdapter;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The LoRA terms on one projection during a step: frozen adapters (their deltas are added, no dropout, no
 * gradients) plus at most one trainable adapter (dropout, gradients for A and B).
 */
final class ActiveLora {
  final List<INDArray> frozenA = new ArrayList<>(), frozenB = new ArrayList<>();
  final List<Double> frozenScale = new ArrayList<>();
  INDArray a, b;          // trainable: A [r, in], B [out, r]; null when this projection has none
  double scale, dropout;
  long dropoutSeed;
  long firstToken;        // index of this step's first row in the whole batch (dropout masks are per global row)

  boolean trainable() { return a != null; }

  /** Whether projection l has a trainable adapter in this step. */
  static boolean trains(java.util.Map<String, ActiveLora> lora, Linear l) {
    ActiveLora t = lora.get(l.path);
    return t != null && t.trainable();
  }

  /** The terms for every adapted module path, from a stack of frozen adapters and one trainable adapter. */
  static java.util.Map<String, ActiveLora> collect(List<LoraAdapter> frozen, LoraAdapter trainable, long seed) {
    return collect(frozen, trainable, seed, 0);
  }

  static java.util.Map<String, ActiveLora> collect(List<LoraAdapter> frozen, LoraAdapter trainable, long seed, long firstToken) {
    java.util.Map<String, ActiveLora> out = new java.util.HashMap<>();
    if (frozen != null)
      for (LoraAdapter f : frozen)
        for (String path : f.a().keySet()) {
          ActiveLora t = out.computeIfAbsent(path, p -> new ActiveLora());
          t.frozenA.add(f.a().get(path));
          t.frozenB.add(f.b().get(path));
          t.frozenScale.add(f.spec().scale());
        }
    if (trainable != null)
      for (String path : trainable.a().keySet()) {
        ActiveLora t = out.computeIfAbsent(path, p -> new ActiveLora());
        t.a = trainable.a().get(path);
        t.b = trainable.b().get(path);
        t.scale = trainable.spec().scale();
        t.dropout = trainable.spec().dropout();
        t.dropoutSeed = Seeds.mix(seed, path.hashCode());
        t.firstToken = firstToken;
      }
    return out;
  }
}
