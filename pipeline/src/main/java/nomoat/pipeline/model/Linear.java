package nomoat.pipeline.model;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A frozen projection with LoRA: y = x W^T (+ bias) + sum_f s_f (x A_f^T) B_f^T + s (drop(x) A^T) B^T.
 * W is [out, in] (HF layout), x is [N, in], y is [N, out]. Only the trainable adapter gets gradients.
 */
final class Linear {
  final String path;      // "model.layers.3.self_attn.q_proj"
  final FrozenMatrix w;   // [out, in], in its stored precision
  final INDArray bias;    // [out] or null
  private final Gemm gemm;

  /** Over an FP32 (or DOUBLE) array. */
  Linear(String path, INDArray w, INDArray bias, Gemm gemm) {
    this(path, FrozenMatrix.dense(w), bias, gemm);
  }

  Linear(String path, FrozenMatrix w, INDArray bias, Gemm gemm) {
    this.path = path;
    this.w = w;
    this.bias = bias;
    this.gemm = gemm;
  }

  /** What backward needs: the input, the (dropped-out) input the adapter saw, u = drop(x) A^T [N, r]. */
  record Cache(INDArray x, INDArray xd, INDArray mask, INDArray u) {}

  INDArray forward(INDArray x, ActiveLora lora, Cache[] save) {
    return forward(x, lora, save, null);
  }

  /**
   * residual + forward(x) (residual [N, out] is not changed): the product accumulates onto a copy of the residual
   * inside the gemm instead of a separate add.
   */
  INDArray forward(INDArray x, ActiveLora lora, Cache[] save, INDArray residual) {
    INDArray y;                                                               // [N, out]
    if (residual == null) y = w.mulTransposed(gemm, x);
    else w.mulTransposedInto(gemm, x, y = Buffers.copyOf(residual), 1.0);
    if (bias != null) y.addiRowVector(bias);
    INDArray xd = null, mask = null, u = null;
    if (lora != null) {
      for (int f = 0; f < lora.frozenA.size(); f++) {
        INDArray uf = gemm.mm(x, lora.frozenA.get(f), false, true);          // [N, r]
        gemm.mmInto(uf, lora.frozenB.get(f), y, false, true, lora.frozenScale.get(f), 1.0);
      }
      if (lora.trainable()) {
        xd = x;
        if (lora.dropout > 0) {
          mask = dropoutMask(x.dataType(), x.rows(), x.columns(), lora.dropout, lora.dropoutSeed, lora.firstToken);
          xd = x.mul(mask);
        }
        u = gemm.mm(xd, lora.a, false, true);                                 // [N, r]
        gemm.mmInto(u, lora.b, y, false, true, lora.scale, 1.0);
      }
    }
    if (save != null) save[0] = new Cache(x, xd, mask, u);
    return y;
  }

  /**
   * dy [N, out] -> dx [N, in] (null unless needDx); adds dA [r, in], dB [out, r] of the trainable adapter to grads.
   * The frozen weight gets no gradient.
   */
  INDArray backward(INDArray dy, Cache c, ActiveLora lora, boolean needDx, Grads grads) {
    return backward(dy, c, lora, needDx, grads, null);
  }

  /** As above; with dxSum != null (and needDx) dx is added into dxSum, which is returned (sums over branches). */
  INDArray backward(INDArray dy, Cache c, ActiveLora lora, boolean needDx, Grads grads, INDArray dxSum) {
    INDArray dx = null;                                                       // [N, in]
    if (needDx && dxSum == null) dx = w.mul(gemm, dy);
    else if (needDx) w.mulInto(gemm, dy, dx = dxSum, 1.0);
    if (lora == null) return dx;
    if (needDx)
      for (int f = 0; f < lora.frozenA.size(); f++) {
        INDArray duf = gemm.mm(dy, lora.frozenB.get(f), false, false);        // [N, r]
        gemm.mmInto(duf, lora.frozenA.get(f), dx, false, false, lora.frozenScale.get(f), 1.0);
      }
    if (lora.trainable()) {
      INDArray dB = grads.b(path, lora.b);
      gemm.mmInto(dy, c.u, dB, true, false, lora.scale, 1.0);                 // dB += s dy^T u
      INDArray du = gemm.mm(dy, lora.b, false, false, lora.scale);            // [N, r]
      INDArray dA = grads.a(path, lora.a);
      gemm.mmInto(du, c.xd, dA, true, false, 1.0, 1.0);                       // dA += du^T drop(x)
      if (needDx) {
        if (c.mask == null) gemm.mmInto(du, lora.a, dx, false, false, 1.0, 1.0);
        else dx.addi(gemm.mm(du, lora.a, false, false).muli(c.mask));
      }
    }
    return dx;
  }

  /**
   * Inverted-dropout mask [rows, cols]: 0 with probability p, else 1/(1-p). Row r's values are a pure function of
   * (seed, firstRow + r), so splitting a batch into shards gives the same masks.
   */
  static INDArray dropoutMask(DataType dt, long rows, long cols, double p, long seed, long firstRow) {
    int c = Math.toIntExact(cols), blockRows = Math.max(1, (1 << 14) / Math.max(1, c));
    float keep = (float) (1.0 / (1.0 - p));                 // the same value in FLOAT and DOUBLE runs
    INDArray mask = Nd4j.createUninitialized(dt, rows, cols);
    float[] m = new float[(int) Math.min(rows, blockRows) * c];   // a block of rows at a time into the array
    for (int r0 = 0; r0 < rows; r0 += blockRows) {
      int nr = (int) Math.min(blockRows, rows - r0);
      for (int i = 0; i < nr; i++) {
        SplittableRandom rnd = new SplittableRandom(Seeds.mix(seed, firstRow + r0 + i));
        for (int j = i * c; j < (i + 1) * c; j++) m[j] = rnd.nextDouble() < p ? 0f : keep;
      }
      Buffers.put(mask, r0 * c, m, 0, nr * c);
    }
    return mask;
  }
}
