package nomoat.pipeline.model;

import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Gradient accumulators of the trainable adapter, by module path; created at first use, zero-initialised. */
final class Grads {
  final Map<String, INDArray> a = new TreeMap<>(), b = new TreeMap<>();

  INDArray a(String path, INDArray like) { return a.computeIfAbsent(path, p -> Nd4j.zeros(like.dataType(), like.shape())); }

  INDArray b(String path, INDArray like) { return b.computeIfAbsent(path, p -> Nd4j.zeros(like.dataType(), like.shape())); }
}
