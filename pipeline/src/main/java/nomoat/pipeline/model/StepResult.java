package nomoat.pipeline.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What one micro-batch contributes: the SUM of token losses and how many tokens were trained, and the gradient
 * of that sum for every module of the trainable adapter (keys as in LoraAdapter; A grads [r, in], B grads [out, r]).
 * Workers add these up; the driver divides by the global token count.
 */
public record StepResult(double lossSum, long tokenCount, Map<String, INDArray> gradA, Map<String, INDArray> gradB) {}
