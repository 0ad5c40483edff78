package nomoat.pipeline.model;

import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Gradient accumulators of the trainable adapter, by module path; created at first use, zero-initialised. */
final class Grads {
  final Map<String, INDArray> dA = new TreeMap<>(), dB = new TreeMap<>();

  /** The dA accumulator of path, shaped like its A. */
  INDArray a(String path, INDArray like) { return dA.computeIfAbsent(path, p -> Nd4j.zeros(like.dataType(), like.shape())); }

  /** The dB accumulator of path, shaped like its B. */
  INDArray b(String path, INDArray like) { return dB.computeIfAbsent(path, p -> Nd4j.zeros(like.dataType(), like.shape())); }
}
