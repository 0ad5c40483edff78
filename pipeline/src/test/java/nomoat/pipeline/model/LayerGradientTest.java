package nomoat.pipeline.model;

import static nomoat.pipeline.model.GradCheck.assertClose;
import static nomoat.pipeline.model.GradCheck.dot;
import static nomoat.pipeline.model.GradCheck.numeric;
import static nomoat.pipeline.model.TinyModels.randn;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every layer's backward against finite differences of its forward, in DOUBLE. */
class LayerGradientTest {
  static final DataType D = DataType.DOUBLE;
  static final double EPS = 1e-6, TOL = 1e-7;
  final Random rnd = new Random(7);

  ActiveLora lora(int in, int out, int r, boolean frozen, double dropout) {
    ActiveLora l = new ActiveLora();
    if (frozen) {
      l.frozenA.add(randn(rnd, D, 0.5, r, in));
      l.frozenB.add(randn(rnd, D, 0.5, out, r));
      l.frozenScale.add(0.7);
    }
    l.a = randn(rnd, D, 0.5, r, in);
    l.b = randn(rnd, D, 0.5, out, r);
    l.scale = 1.5;
    l.dropout = dropout;
    l.dropoutSeed = 99;
    return l;
  }

  @Test
  void linearWithFrozenAndTrainableAdapterAndDropout() {
    INDArray x = randn(rnd, D, 1, 5, 6), w = randn(rnd, D, 0.5, 4, 6), bias = randn(rnd, D, 0.5, 4), r = randn(rnd, D, 1, 5, 4);
    Linear lin = new Linear("p", w, bias, Gemm.OPENBLAS);
    ActiveLora l = lora(6, 4, 3, true, 0.3);
    Linear.Cache[] c = new Linear.Cache[1];
    lin.forward(x, l, c);
    Grads g = new Grads();
    INDArray dx = lin.backward(r, c[0], l, true, g);
    java.util.function.DoubleSupplier loss = () -> dot(lin.forward(x, l, null), r);
    assertClose("dx", numeric(loss, x, EPS), dx, TOL);
    assertClose("dA", numeric(loss, l.a, EPS), g.dA.get("p"), TOL);
    assertClose("dB", numeric(loss, l.b, EPS), g.dB.get("p"), TOL);
  }

  @Test
  void rmsNorm() {
    INDArray x = randn(rnd, D, 1, 5, 8), r = randn(rnd, D, 1, 5, 8);
    RmsNorm n = new RmsNorm(randn(rnd, D, 0.2, 8).addi(1), 1e-5);
    RmsNorm.Cache[] c = new RmsNorm.Cache[1];
    n.forward(x, c);
    assertClose("dx", numeric(() -> dot(n.forward(x, null), r), x, EPS), n.backward(r, c[0]), TOL);
  }

  @Test
  void rotary() {
    int[] pos = {0, 3, 1, 7, 2, 100};
    INDArray[] t = Rope.tables(new double[] {1.0, 0.1}, pos, 3, D);
    INDArray rot = RopeReference.rotateHalfMatrix(4, D);
    INDArray x = randn(rnd, D, 1, 6, 12), r = randn(rnd, D, 1, 6, 12);
    assertClose("dx", numeric(() -> dot(RopeReference.forward(x, t[0], t[1], rot), r), x, EPS), RopeReference.backward(r, t[0], t[1], rot), TOL);
  }

  @Test
  void attentionGqaWithPaddingAndSegmentsInOneOrSeveralCausalTiles() {
    int b = 2, tt = 5, nh = 4, nkv = 2, d = 4;
    Batch batch = new Batch(b, tt, new int[10], new int[10], new int[] {1, 1, 1, 1, 0, 1, 1, 1, 1, 1}, new int[] {1, 1, 1, 1, 0, 1, 1, 2, 2, 2}, null);
    LlamaConfig c = TinyModels.config(5, nh * d, 8, 1, nh, nkv, false);
    LlamaWeights weights = TinyModels.weights(c, D, 1);
    INDArray q = randn(rnd, D, 1, b * tt, nh * d), k = randn(rnd, D, 1, b * tt, nkv * d), v = randn(rnd, D, 1, b * tt, nkv * d);
    INDArray r = randn(rnd, D, 1, b * tt, nh * d);
    INDArray oneTile = null;
    for (int tile : new int[] {128, 2}) {
      LlamaModel m = new LlamaModel(weights, EngineOptions.defaults().withAttentionTileRows(tile));
      DecoderLayer.Step st = m.step(batch, Map.of());
      Attention.Shape s = st.shape();
      Attention.Cache[] cache = new Attention.Cache[1];
      INDArray out = Attention.forward(Gemm.OPENBLAS, q, k, v, null, st.masks(), s, null, cache);
      if (oneTile == null) oneTile = out;
      else assertClose("tiled forward = untiled forward", oneTile, out, 1e-12);
      INDArray[] g = Attention.backward(Gemm.OPENBLAS, r, cache[0], s, null, true, true, true);
      java.util.function.DoubleSupplier loss = () -> dot(Attention.forward(Gemm.OPENBLAS, q, k, v, null, st.masks(), s, null, null), r);
      assertClose("dq tile " + tile, numeric(loss, q, EPS), g[0], TOL);
      assertClose("dk tile " + tile, numeric(loss, k, EPS), g[1], TOL);
      assertClose("dv tile " + tile, numeric(loss, v, EPS), g[2], TOL);
    }
  }

  @Test
  void swigluMlpWithAdapters() {
    INDArray x = randn(rnd, D, 1, 5, 6), r = randn(rnd, D, 1, 5, 6);
    Mlp mlp = new Mlp(new Linear("g", randn(rnd, D, 0.5, 7, 6), null, Gemm.OPENBLAS), new Linear("u", randn(rnd, D, 0.5, 7, 6), null, Gemm.OPENBLAS),
        new Linear("d", randn(rnd, D, 0.5, 6, 7), null, Gemm.OPENBLAS));
    Map<String, ActiveLora> l = Map.of("g", lora(6, 7, 2, false, 0), "u", lora(6, 7, 2, true, 0.2), "d", lora(7, 6, 2, false, 0.1));
    Mlp.Cache[] c = new Mlp.Cache[1];
    mlp.forward(x, l, c);
    Grads g = new Grads();
    INDArray dx = mlp.backward(r, c[0], l, true, g);
    java.util.function.DoubleSupplier loss = () -> dot(mlp.forward(x, l, null), r);
    assertClose("dx", numeric(loss, x, EPS), dx, TOL);
    for (String p : new String[] {"g", "u", "d"}) {
      assertClose("dA " + p, numeric(loss, l.get(p).a, EPS), g.dA.get(p), TOL);
      assertClose("dB " + p, numeric(loss, l.get(p).b, EPS), g.dB.get(p), TOL);
    }
  }

  @Test
  void crossEntropyInChunks() {
    INDArray h = randn(rnd, D, 1, 7, 6), head = randn(rnd, D, 1, 9, 6);
    int[] targets = {0, 8, 3, 3, 5, 1, 2};
    INDArray dh = Nd4j.create(D, 7, 6);
    double[] nll = CrossEntropy.forwardBackward(h, FrozenMatrix.dense(head), targets, dh, Gemm.OPENBLAS, Workspaces.ON);
    // independent: full log-softmax
    INDArray z = h.mmul(head.transpose());
    for (int i = 0; i < 7; i++) {
      double max = z.getRow(i).maxNumber().doubleValue(), s = 0;
      for (int j = 0; j < 9; j++) s += Math.exp(z.getDouble(i, j) - max);
      org.junit.jupiter.api.Assertions.assertEquals(Math.log(s) + max - z.getDouble(i, targets[i]), nll[i], 1e-12);
    }
    java.util.function.DoubleSupplier loss = () -> {
      double t = 0;
      for (double v : CrossEntropy.forwardBackward(h, FrozenMatrix.dense(head), targets, null, Gemm.OPENBLAS, Workspaces.ON)) t += v;
      return t;
    };
    assertClose("dh", numeric(loss, h, EPS), dh, TOL);
    // very confident wrong predictions: p(target) underflows and the exact logsumexp path takes over
    INDArray hot = h.mul(300);
    double[] big = CrossEntropy.forwardBackward(hot, FrozenMatrix.dense(head), targets, null, Gemm.OPENBLAS, Workspaces.ON);
    INDArray zh = hot.mmul(head.transpose());
    boolean sawHuge = false;
    for (int i = 0; i < 7; i++) {
      double max = zh.getRow(i).maxNumber().doubleValue(), s = 0;
      for (int j = 0; j < 9; j++) s += Math.exp(zh.getDouble(i, j) - max);
      double want = Math.log(s) + max - zh.getDouble(i, targets[i]);
      sawHuge |= want > 80;
      org.junit.jupiter.api.Assertions.assertEquals(want, big[i], 1e-9 * Math.max(1, want));
    }
    org.junit.jupiter.api.Assertions.assertTrue(sawHuge, "the test must reach the underflow path");
  }
}
