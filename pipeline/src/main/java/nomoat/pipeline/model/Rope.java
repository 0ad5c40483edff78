package nomoat.pipeline.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Rotary position embedding in HF's rotate_half layout: per head, out = x * cos + rotate_half(x) * sin with
 * rotate_half([x1, x2]) = [-x2, x1]. Here: the frequencies and the cos/sin tables [N, heads * d] (each head's two
 * halves share the d/2 frequencies). The rotation itself is fused into attention's heads copies
 * ({@code Kernels.toHeads/fromHeads}); the tests check those against a plain reference (RopeReference, test code).
 */
final class Rope {
  private Rope() {}

  /** inv_freq[i] = 1 / theta^(2i/d), i < d/2, with optional llama3 rope_scaling (transformers semantics). */
  static double[] invFreq(LlamaConfig c) {
    int d = c.headDim();
    double[] inv = new double[d / 2];
    for (int i = 0; i < d / 2; i++) inv[i] = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / d);
    LlamaConfig.RopeScaling s = c.ropeScaling();
    if (s != null) {
      double lowWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
      double highWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
      for (int i = 0; i < inv.length; i++) {
        double wavelen = 2 * Math.PI / inv[i];
        double scaled = wavelen > lowWavelen ? inv[i] / s.factor() : inv[i];
        boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
        if (medium) {
          double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
          scaled = (1 - smooth) * scaled / s.factor() + smooth * scaled;
        }
        inv[i] = scaled;
      }
    }
    return inv;
  }

  /** {cos, sin}, each [N, heads * d], for the given positions (angles in float32 unless dt is DOUBLE). */
  static INDArray[] tables(double[] invFreq, int[] positions, int heads, DataType dt) {
    if (dt != DataType.FLOAT && dt != DataType.DOUBLE) {            // (the engine runs FLOAT or DOUBLE only)
      INDArray[] t = tables(invFreq, positions, heads, DataType.FLOAT);
      return new INDArray[] {t[0].castTo(dt), t[1].castTo(dt)};
    }
    int h = invFreq.length, d = 2 * h, n = positions.length, w = heads * d;
    boolean f32 = dt != DataType.DOUBLE;
    int maxPos = 0;
    for (int p : positions) maxPos = Math.max(maxPos, p);
    double[] c = new double[(maxPos + 1) * h], s = new double[(maxPos + 1) * h];   // per distinct position
    boolean[] done = new boolean[maxPos + 1];
    for (int p : positions) {
      if (done[p]) continue;
      done[p] = true;
      for (int i = 0; i < h; i++) {
        double ang = f32 ? (float) ((float) p * (float) invFreq[i]) : p * invFreq[i];
        c[p * h + i] = Math.cos(ang);
        s[p * h + i] = Math.sin(ang);
      }
    }
    // written a block of rows at a time straight into the arrays (no [N, heads*d] Java copies)
    INDArray cosT = org.nd4j.linalg.factory.Nd4j.createUninitialized(dt, n, w), sinT = org.nd4j.linalg.factory.Nd4j.createUninitialized(dt, n, w);
    int blockRows = Math.max(1, (1 << 14) / Math.max(1, w));
    double[] cos = new double[Math.min(n, blockRows) * w], sin = new double[cos.length];
    for (int r0 = 0; r0 < n; r0 += blockRows) {
      int nr = Math.min(blockRows, n - r0);
      for (int i = 0; i < nr; i++) {
        int at = positions[r0 + i] * h;
        for (int base = i * w; base < (i + 1) * w; base += h) {
          System.arraycopy(c, at, cos, base, h);
          System.arraycopy(s, at, sin, base, h);
        }
      }
      Buffers.put(cosT, r0 * w, cos, 0, nr * w);
      Buffers.put(sinT, r0 * w, sin, 0, nr * w);
    }
    return new INDArray[] {cosT, sinT};
  }
}
