package nomoat.pipeline.model;

import static nomoat.pipeline.model.TinyModels.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The FLOAT paths of the Java kernels (fast exp, blocked loops) against their DOUBLE paths (Math.exp, row loops),
 * which the gradient tests check against finite differences.
 */
class KernelsTest {
  final Random rnd = new Random(11);

  static void close(String what, INDArray dbl, INDArray flt, double tol) {
    double[] a = dbl.dup('c').data().asDouble(), b = flt.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    assertEquals(a.length, b.length, what);
    double worst = 0;
    for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1e-3 + Math.abs(a[i])));
    assertTrue(worst < tol, what + ": FLOAT differs from DOUBLE by " + worst);
  }

  static INDArray f(INDArray x) { return x.castTo(DataType.FLOAT); }

  @Test
  void expIsAccurateInFloat() {
    for (float x = -87f; x < 88f; x += 0.0137f) {
      double e = Math.exp(x);
      assertEquals(e, Kernels.expf(x), 2e-7 * e, "exp(" + x + ")");
    }
    assertEquals(0f, Kernels.expf(-1e9f));
    assertEquals(0f, Kernels.expf(-88f));
  }

  @Test
  void softmaxWithMaskAndTargets() {
    for (int cols : new int[] {3, 37, 5000}) {
      INDArray z = randn(rnd, DataType.DOUBLE, 4, 9, cols), mask = randn(rnd, DataType.DOUBLE, 1, 9, cols);
      mask.getRow(2).assign(Attention.MASKED);
      mask.putScalar(2, 1, 0.0);
      int[] targets = new int[12];
      for (int i = 0; i < targets.length; i++) targets[i] = rnd.nextInt(cols);
      double[] pd = new double[9], pf = new double[9];
      INDArray d = Kernels.softmaxRows(z.dup(), mask, targets, 3, pd);
      INDArray fl = Kernels.softmaxRows(f(z), f(mask), targets, 3, pf);
      close("softmax " + cols, d, fl, 2e-5);
      for (int i = 0; i < 9; i++) assertEquals(pd[i], pf[i], 2e-6 + 1e-5 * pd[i]);
      INDArray dp = randn(rnd, DataType.DOUBLE, 1, 9, cols);
      Kernels.softmaxRows(z, mask, null, 0, null);
      close("softmax backward " + cols, Kernels.softmaxBackward(dp.dup(), z), Kernels.softmaxBackward(f(dp), f(z)), 2e-4);
    }
  }

  @Test
  void swigluAndRmsNorm() {
    INDArray g = randn(rnd, DataType.DOUBLE, 30, 7, 1500), u = randn(rnd, DataType.DOUBLE, 1, 7, 1500);
    g.putScalar(0, 0, 200.0);
    g.putScalar(0, 1, -200.0);
    INDArray sd = g.like(), sf = f(g).like(), gd = g.dup(), gf = f(g);
    close("swiglu h", Kernels.swigluForward(gd, u, sd), Kernels.swigluForward(gf, f(u), sf), 1e-5);
    close("swiglu sig", sd, sf, 1e-5);
    close("swiglu silu", gd, gf, 1e-5);
    INDArray da = randn(rnd, DataType.DOUBLE, 1, 7, 1500), dad = da.dup(), daf = f(da);
    close("swiglu du", Kernels.swigluBackward(dad, u, sd, gd), Kernels.swigluBackward(daf, f(u), sf, gf), 1e-5);
    close("swiglu dg", dad, daf, 1e-4);             // sig + silu - silu * sig cancels for large g (as before)

    INDArray x = randn(rnd, DataType.DOUBLE, 2, 40, 96), w = randn(rnd, DataType.DOUBLE, 1, 96), dy = randn(rnd, DataType.DOUBLE, 1, 40, 96);
    INDArray hd = x.like(), rd = x.like().getColumn(0, true).dup(), hf = f(x).like(), rf = f(rd);
    close("rmsnorm y", Kernels.rmsNormForward(x, w, 1e-5, hd, rd), Kernels.rmsNormForward(f(x), f(w), 1e-5, hf, rf), 1e-5);
    close("rmsnorm dx", Kernels.rmsNormBackward(dy, w, hd, rd, null), Kernels.rmsNormBackward(f(dy), f(w), hf, rf, null), 1e-4);
    INDArray skip = randn(rnd, DataType.DOUBLE, 3, 40, 96);                     // the residual path, added in the same pass
    close("rmsnorm dx + skip", Kernels.rmsNormBackward(dy, w, hd, rd, null).add(skip), Kernels.rmsNormBackward(f(dy), f(w), hf, rf, f(skip)), 1e-4);
    close("rmsnorm dx + skip (double)", Kernels.rmsNormBackward(dy, w, hd, rd, null).add(skip), Kernels.rmsNormBackward(dy, w, hd, rd, skip), 1e-12);
  }

  @Test
  void addInPlaceAndCopy() {
    for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray a = randn(rnd, t, 4, 50_000, 1), b = randn(rnd, t, 5, 50_000, 1), sum = a.add(b);   // several blocks
      Kernels.addInPlace(a, b);
      close("add " + t, sum.castTo(DataType.DOUBLE), a, 1e-12);
      INDArray c = Buffers.copyOf(b);
      close("copy " + t, b.castTo(DataType.DOUBLE), c, 1e-12);
      org.junit.jupiter.api.Assertions.assertNotEquals(b.data().addressPointer().address(), c.data().addressPointer().address());
    }
  }

  @Test
  void headsWithRope() {
    int b = 3, t = 5, heads = 2, d = 8;
    INDArray x = randn(rnd, DataType.DOUBLE, 1, b * t, heads * d);
    int[] pos = new int[b * t];
    for (int i = 0; i < pos.length; i++) pos[i] = i % t + i / t;
    INDArray[] tab = Rope.tables(new double[] {1.0, 0.3, 0.1, 0.02}, pos, heads, DataType.DOUBLE);
    INDArray rot = RopeReference.rotateHalfMatrix(d, DataType.DOUBLE);
    // reference: Rope.forward then the plain permute
    INDArray ref = RopeReference.forward(x, tab[0], tab[1], rot).reshape('c', b, t, heads, d).permute(0, 2, 1, 3).dup('c')
        .reshape('c', (long) b * heads * t, d).muli(0.5);
    INDArray hd = Kernels.toHeads(x, tab[0], tab[1], b, t, heads, d, 0.5);
    close("toHeads DOUBLE", ref, hd, 1e-12);
    close("toHeads FLOAT", ref, Kernels.toHeads(f(x), f(tab[0]), f(tab[1]), b, t, heads, d, 0.5), 1e-5);
    INDArray g = randn(rnd, DataType.DOUBLE, 1, b * heads * t, d);
    Function<INDArray, INDArray> plain = a -> a.reshape('c', b, heads, t, d).permute(0, 2, 1, 3).dup('c').reshape('c', (long) b * t, (long) heads * d);
    INDArray back = RopeReference.backward(plain.apply(g), tab[0], tab[1], rot).muli(0.5);
    close("fromHeads DOUBLE", back, Kernels.fromHeads(g, tab[0], tab[1], b, t, heads, d, 0.5), 1e-12);
    close("fromHeads FLOAT", back, Kernels.fromHeads(f(g), f(tab[0]), f(tab[1]), b, t, heads, d, 0.5), 1e-5);
    close("plain FLOAT", plain.apply(g), Kernels.fromHeads(f(g), null, null, b, t, heads, d, 1.0), 1e-6);
  }
}
