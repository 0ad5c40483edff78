package nomoat.pipeline.format;

import nomoat.pipeline.model.LlamaConfig;

/**
 * A base model without its weights: the config and tokenizer files, read from the headers after every tensor's name and
 * shape was checked ({@link ModelLoader#header}). What a Spark driver needs to validate a run.
 */
public record ModelHeader(LlamaConfig config, byte[] tokenizerJson, byte[] tokenizerConfigJson) {

  /** Bytes the weights take once loaded (FP32, as the engine computes). */
  public long weightBytes() {
    long n = 0;
    for (long[] shape : HfCheckpoint.expectedShapes(config).values()) {
      long k = 4;
      for (long d : shape) k *= d;
      n += k;
    }
    return n;
  }
}
