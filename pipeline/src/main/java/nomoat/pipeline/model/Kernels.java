package nomoat.pipeline.model;

import static nomoat.pipeline.model.Buffers.checkC;
import static nomoat.pipeline.model.Buffers.doubles;
import static nomoat.pipeline.model.Buffers.floats;
import static nomoat.pipeline.model.Buffers.isFloat;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fused elementwise kernels in plain Java, working on the arrays' native buffers a block of rows at a time (no ND4J
 * call per elementwise step, no temporaries): softmax (with the additive attention mask and the cross-entropy target
 * read-out folded in), the softmax backward, SwiGLU forward/backward, the heads-layout copies with the rotary
 * embedding folded in, and RMSNorm forward/backward. ND4J's own exp/sigmoid are scalar and every ND4J op has a fixed
 * call cost; these loops replace several ops each. Buffer access lives in {@link Buffers}, the per-thread row blocks in
 * named {@link Scratch} buffers.
 *
 * <p>Every kernel has a FLOAT loop (production) and a DOUBLE loop (the gradient tests), side by side. They are two
 * implementations of one formula, not one loop in two precisions: FLOAT works on blocks of rows shaped for HotSpot's
 * vectoriser and uses {@link #expInPlace}, a Cody-Waite range-reduced polynomial exp accurate to about 1 ulp (about
 * 0.5 ns per element against 4-6 ns for ND4J's scalar exp); DOUBLE is the plain per-row form with {@link Math#exp}.
 * So the DOUBLE gradient tests (LayerGradientTest, ModelGradientTest) check the DOUBLE loops only; the FLOAT loops are
 * checked by KernelsTest, which runs each kernel in FLOAT and in DOUBLE on the same inputs and compares them (and
 * expf against Math.exp), and end to end by the FLOAT model tests (GenerationTest's llama2.c sample). A change to
 * one loop of a kernel must be made to the other, and KernelsTest must cover it.
 */
final class Kernels {
  private Kernels() {}

  // ---------------------------------------------------------------------------------------------------------------
  // exp

  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
  private static final float SHIFT = 12582912f;               // 1.5 * 2^23: adding it rounds to an integer
  /** Arguments are clamped to [-88, 88]: below about -87.68 the result is exactly 0 (2^-127 scale bits are 0). */
  private static final float CLAMP = 88f;

  /**
   * In place: a[off, off + n) = e^(a - shift) in float within ~1 ulp (Cephes expf polynomial after Cody-Waite
   * reduction); 0 where the argument is below about -87.7, e^88 where it is above 88. tmp[off, off + n) is scratch
   * (same index as a: HotSpot then knows the arrays never overlap at a distance). Two passes (float polynomial, then
   * the 2^k scaling through the exponent bits) because HotSpot's superword vectorises each loop on its own but not the
   * mixed float/int one.
   */
  static void expInPlace(float[] a, int off, float shift, float[] tmp, int n) {
    for (int j = off; j < off + n; j++) {
      float x = Math.min(Math.max(a[j] - shift, -CLAMP), CLAMP);
      float t = x * LOG2E + SHIFT;
      float k = t - SHIFT;
      float r = x - k * LN2_HI - k * LN2_LO;
      float p = 1.9875691500e-4f;
      p = p * r + 1.3981999507e-3f;
      p = p * r + 8.3334519073e-3f;
      p = p * r + 4.1665795894e-2f;
      p = p * r + 1.6666665459e-1f;
      p = p * r + 5.0000001201e-1f;
      a[j] = p * r * r + r + 1f;
      tmp[j] = t;
    }
    for (int j = off; j < off + n; j++)
      a[j] *= Float.intBitsToFloat((Float.floatToRawIntBits(tmp[j]) - 0x4B400000 + 127) << 23);
  }

  /** e^x in float (the scalar form of {@link #expInPlace}). */
  static float expf(float x) {
    float[] a = {x}, t = new float[1];
    expInPlace(a, 0, 0f, t, 1);
    return a[0];
  }

  /** Dot product of a[0..n) and b[0..n) (four partial sums). */
  private static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int j = 0;
    for (; j + 3 < n; j += 4) {
      s0 += a[aOff + j] * b[bOff + j];
      s1 += a[aOff + j + 1] * b[bOff + j + 1];
      s2 += a[aOff + j + 2] * b[bOff + j + 2];
      s3 += a[aOff + j + 3] * b[bOff + j + 3];
    }
    for (; j < n; j++) s0 += a[aOff + j] * b[bOff + j];
    return (s0 + s1) + (s2 + s3);
  }

  /** Sum of a[0..n) (four partial sums: vectorisable, and more accurate than one running sum). */
  private static float sum(float[] a, int off, int n) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int j = 0;
    for (; j + 3 < n; j += 4) {
      s0 += a[off + j];
      s1 += a[off + j + 1];
      s2 += a[off + j + 2];
      s3 += a[off + j + 3];
    }
    for (; j < n; j++) s0 += a[off + j];
    return (s0 + s1) + (s2 + s3);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // per-thread scratch, named by what it holds (see Scratch)

  private static final Scratch ROWS = new Scratch();        // the rows a kernel computes on, in place
  private static final Scratch MASK = new Scratch();        // softmax: the additive mask's rows
  private static final Scratch EXP_TMP = new Scratch();     // expInPlace's second pass
  private static final Scratch PROBS = new Scratch();       // softmax backward: the probabilities
  private static final Scratch UP = new Scratch(), SIG = new Scratch(), SILU = new Scratch();   // SwiGLU's u, sigmoid(g), silu(g)
  private static final Scratch COS = new Scratch(), SIN = new Scratch();   // rotary tables' rows
  private static final Scratch HEADS = new Scratch();       // heads copies: the rows in their new layout
  private static final Scratch ROTATED = new Scratch();     // rotate_half of a block of rows
  private static final Scratch WEIGHTS = new Scratch();     // RMSNorm: w repeated for each row of a block
  private static final Scratch OUT = new Scratch();         // RMSNorm forward: y
  private static final Scratch XHAT = new Scratch(), RSTD = new Scratch(), RESIDUAL = new Scratch();  // RMSNorm backward
  private static final Scratch ADDEND = new Scratch();      // addInPlace: the rows added

  /** The WEIGHTS scratch holding the vector w [cols] repeated for reps rows. */
  private static float[] tiled(FloatBuffer w, int cols, int reps) {
    float[] t = WEIGHTS.floats(cols * reps);
    w.get(0, t, 0, cols);
    for (int i = 1; i < reps; i++) System.arraycopy(t, 0, t, i * cols, cols);
    return t;
  }

  /** Rows per block of the elementwise kernels (bulk copies of about 16K elements). */
  private static int block(int cols) { return Math.max(1, (1 << 14) / Math.max(1, cols)); }

  // ---------------------------------------------------------------------------------------------------------------
  // softmax

  /**
   * In place: z [rows, cols] = softmax over each row of (z + mask) (mask same shape, or null). When targets is not
   * null, also for each row i: pt[i] = p[i, targets[i]], and p[i, targets[i]] becomes pt[i] - 1 (softmax minus
   * one-hot, the cross-entropy gradient).
   */
  static INDArray softmaxRows(INDArray z, INDArray mask, int[] targets, int targetFrom, double[] pt) {
    int rows = (int) z.size(0), cols = (int) (z.length() / Math.max(1, rows));
    if (mask != null && mask.length() != z.length()) throw new IllegalArgumentException("mask does not match scores");
    if (isFloat(z)) {
      FloatBuffer zb = floats(z), mb = mask == null ? null : floats(mask);
      int blkRows = block(cols), blk = blkRows * cols;
      float[] zr = ROWS.floats(blk), mr = mask == null ? null : MASK.floats(blk), tmp = EXP_TMP.floats(blk);
      for (int r0 = 0; r0 < rows; r0 += blkRows) {
        int nr = Math.min(blkRows, rows - r0), at = r0 * cols, len = nr * cols;
        zb.get(at, zr, 0, len);
        if (mb != null) {
          mb.get(at, mr, 0, len);
          for (int j = 0; j < len; j++) zr[j] += mr[j];
        }
        for (int i = 0; i < nr; i++) {
          int o = i * cols;
          float max = Float.NEGATIVE_INFINITY;
          for (int j = o; j < o + cols; j++) max = Math.max(max, zr[j]);
          expInPlace(zr, o, max, tmp, cols);
          float inv = 1f / sum(zr, o, cols);
          for (int j = o; j < o + cols; j++) zr[j] *= inv;
          if (targets != null) {
            int t = targets[targetFrom + r0 + i];
            pt[r0 + i] = zr[o + t];
            zr[o + t] -= 1f;
          }
        }
        zb.put(at, zr, 0, len);
      }
    } else {
      DoubleBuffer zb = doubles(z), mb = mask == null ? null : doubles(mask);
      double[] row = ROWS.doubles(cols), mrow = mask == null ? null : MASK.doubles(cols);
      for (int i = 0; i < rows; i++) {
        int at = i * cols;
        zb.get(at, row, 0, cols);
        if (mb != null) {
          mb.get(at, mrow, 0, cols);
          for (int j = 0; j < cols; j++) row[j] += mrow[j];
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < cols; j++) max = Math.max(max, row[j]);
        double sum = 0;
        for (int j = 0; j < cols; j++) {
          double e = Math.exp(row[j] - max);
          row[j] = e;
          sum += e;
        }
        double inv = 1 / sum;
        for (int j = 0; j < cols; j++) row[j] *= inv;
        if (targets != null) {
          int t = targets[targetFrom + i];
          pt[i] = row[t];
          row[t] -= 1;
        }
        zb.put(at, row, 0, cols);
      }
    }
    return z;
  }

  /** In place: dp [rows, cols] becomes dS = p * (dp - rowsum(dp * p)) (softmax backward); p same shape. */
  static INDArray softmaxBackward(INDArray dp, INDArray p) {
    if (p.length() != dp.length()) throw new IllegalArgumentException("softmax backward: shapes differ");
    int rows = (int) dp.size(0), cols = (int) (dp.length() / Math.max(1, rows));
    if (isFloat(dp)) {
      FloatBuffer db = floats(dp), pb = floats(p);
      int blkRows = block(cols), blk = blkRows * cols;
      float[] d = ROWS.floats(blk), pr = PROBS.floats(blk);
      for (int r0 = 0; r0 < rows; r0 += blkRows) {
        int nr = Math.min(blkRows, rows - r0), at = r0 * cols, len = nr * cols;
        db.get(at, d, 0, len);
        pb.get(at, pr, 0, len);
        for (int i = 0; i < nr; i++) {
          int o = i * cols;
          float dot = dot(d, o, pr, o, cols);
          for (int j = o; j < o + cols; j++) d[j] = pr[j] * (d[j] - dot);
        }
        db.put(at, d, 0, len);
      }
    } else {
      DoubleBuffer db = doubles(dp), pb = doubles(p);
      double[] d = ROWS.doubles(cols), pr = PROBS.doubles(cols);
      for (int i = 0; i < rows; i++) {
        int at = i * cols;
        db.get(at, d, 0, cols);
        pb.get(at, pr, 0, cols);
        double dot = 0;
        for (int j = 0; j < cols; j++) dot += d[j] * pr[j];
        for (int j = 0; j < cols; j++) d[j] = pr[j] * (d[j] - dot);
        db.put(at, d, 0, cols);
      }
    }
    return dp;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // SwiGLU

  /**
   * g, u [N, I] (same shape). Writes sig = sigmoid(g) into sigOut, silu = g * sig into g (in place) and returns
   * h = silu * u (a new array).
   */
  static INDArray swigluForward(INDArray g, INDArray u, INDArray sigOut) {
    if (u.length() != g.length() || sigOut.length() != g.length()) throw new IllegalArgumentException("swiglu: shapes differ");
    INDArray h = Nd4j.createUninitialized(g.dataType(), g.shape());
    int n = checkC(g), cols = (int) g.size(g.rank() - 1), blk = block(cols) * cols;
    if (isFloat(g)) {
      FloatBuffer gb = floats(g), ub = floats(u), sb = floats(sigOut), hb = floats(h);
      float[] ga = ROWS.floats(blk), ua = UP.floats(blk), sa = SIG.floats(blk), tmp = EXP_TMP.floats(blk);
      for (int at = 0; at < n; at += blk) {
        int len = Math.min(blk, n - at);
        gb.get(at, ga, 0, len);
        ub.get(at, ua, 0, len);
        for (int j = 0; j < len; j++) sa[j] = -ga[j];
        expInPlace(sa, 0, 0f, tmp, len);                                    // e^-g
        for (int j = 0; j < len; j++) {
          float x = ga[j], s = 1f / (1f + sa[j]), silu = x * s;
          sa[j] = s;
          ga[j] = silu;
          ua[j] *= silu;
        }
        sb.put(at, sa, 0, len);
        gb.put(at, ga, 0, len);
        hb.put(at, ua, 0, len);
      }
    } else {
      DoubleBuffer gb = doubles(g), ub = doubles(u), sb = doubles(sigOut), hb = doubles(h);
      double[] ga = ROWS.doubles(blk), ua = UP.doubles(blk), sa = SIG.doubles(blk);
      for (int at = 0; at < n; at += blk) {
        int len = Math.min(blk, n - at);
        gb.get(at, ga, 0, len);
        ub.get(at, ua, 0, len);
        for (int j = 0; j < len; j++) {
          double x = ga[j], s = 1 / (1 + Math.exp(-x)), silu = x * s;
          sa[j] = s;
          ga[j] = silu;
          ua[j] *= silu;
        }
        sb.put(at, sa, 0, len);
        gb.put(at, ga, 0, len);
        hb.put(at, ua, 0, len);
      }
    }
    return h;
  }

  /**
   * da = dL/dh [N, I] with h = silu(g) * u. Returns du = da * silu (a new array) and turns da into
   * dg = da * u * silu'(g), silu'(g) = sig + silu - silu * sig (in place).
   */
  static INDArray swigluBackward(INDArray da, INDArray u, INDArray sig, INDArray silu) {
    if (u.length() != da.length() || sig.length() != da.length() || silu.length() != da.length())
      throw new IllegalArgumentException("swiglu backward: shapes differ");
    INDArray du = Nd4j.createUninitialized(da.dataType(), da.shape());
    int n = checkC(da), cols = (int) da.size(da.rank() - 1), blk = block(cols) * cols;
    if (isFloat(da)) {
      FloatBuffer db = floats(da), ub = floats(u), sb = floats(sig), lb = floats(silu), ob = floats(du);
      float[] d = ROWS.floats(blk), ua = UP.floats(blk), sa = SIG.floats(blk), la = SILU.floats(blk);
      for (int at = 0; at < n; at += blk) {
        int len = Math.min(blk, n - at);
        db.get(at, d, 0, len);
        ub.get(at, ua, 0, len);
        sb.get(at, sa, 0, len);
        lb.get(at, la, 0, len);
        for (int j = 0; j < len; j++) {
          float a = d[j], s = sa[j], l = la[j];
          d[j] = a * ua[j] * (s + l - l * s);
          la[j] = a * l;
        }
        db.put(at, d, 0, len);
        ob.put(at, la, 0, len);
      }
    } else {
      DoubleBuffer db = doubles(da), ub = doubles(u), sb = doubles(sig), lb = doubles(silu), ob = doubles(du);
      double[] d = ROWS.doubles(blk), ua = UP.doubles(blk), sa = SIG.doubles(blk), la = SILU.doubles(blk);
      for (int at = 0; at < n; at += blk) {
        int len = Math.min(blk, n - at);
        db.get(at, d, 0, len);
        ub.get(at, ua, 0, len);
        sb.get(at, sa, 0, len);
        lb.get(at, la, 0, len);
        for (int j = 0; j < len; j++) {
          double a = d[j], s = sa[j], l = la[j];
          d[j] = a * ua[j] * (s + l - l * s);
          la[j] = a * l;
        }
        db.put(at, d, 0, len);
        ob.put(at, la, 0, len);
      }
    }
    return du;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // heads layout, with rotary embedding folded in

  /**
   * x [B*T, heads*d] -> [B*heads*T, d], each head row scaled by scale and, when cos/sin ([B*T, heads*d], rotate_half
   * layout) are given, rotated: out = (x * cos + rotate_half(x) * sin) * scale, rotate_half([x1, x2]) = [-x2, x1].
   */
  static INDArray toHeads(INDArray x, INDArray cos, INDArray sin, int b, int t, int heads, int d, double scale) {
    int w = heads * d, half = d / 2;
    if (x.length() != (long) b * t * w) throw new IllegalArgumentException("toHeads: shape");
    INDArray out = Nd4j.createUninitialized(x.dataType(), (long) b * heads * t, d);
    boolean rope = cos != null;
    if (isFloat(x)) {
      // one batch row at a time: x rows [T, heads*d] in, heads block [heads*T, d] out, both contiguous
      FloatBuffer xb = floats(x), ob = floats(out), cb = rope ? floats(cos) : null, sb = rope ? floats(sin) : null;
      int chunk = t * w;
      float[] xr = ROWS.floats(chunk), cr = rope ? COS.floats(chunk) : null, sr = rope ? SIN.floats(chunk) : null, o = HEADS.floats(chunk);
      float sc = (float) scale;
      for (int bi = 0; bi < b; bi++) {
        int at = bi * chunk;
        xb.get(at, xr, 0, chunk);
        if (rope) {
          cb.get(at, cr, 0, chunk);
          sb.get(at, sr, 0, chunk);
        }
        if (rope) {                                   // rotate in place, in the [T, heads*d] layout
          float[] rr = ROTATED.floats(chunk);          // rotate_half(x) = [-x2, x1] per head
          for (int seg = 0; seg < chunk; seg += d) {
            System.arraycopy(xr, seg + half, rr, seg, half);
            System.arraycopy(xr, seg, rr, seg + half, half);
          }
          for (int seg = 0; seg < chunk; seg += d)
            for (int i = seg; i < seg + half; i++) rr[i] = -rr[i];
          for (int j = 0; j < chunk; j++) xr[j] = (xr[j] * cr[j] + rr[j] * sr[j]) * sc;
        } else if (sc != 1f) {
          for (int j = 0; j < chunk; j++) xr[j] *= sc;
        }
        for (int ti = 0; ti < t; ti++)
          for (int h = 0; h < heads; h++) System.arraycopy(xr, ti * w + h * d, o, (h * t + ti) * d, d);
        ob.put(at, o, 0, chunk);
      }
    } else {
      DoubleBuffer xb = doubles(x), ob = doubles(out), cb = rope ? doubles(cos) : null, sb = rope ? doubles(sin) : null;
      double[] xr = ROWS.doubles(w), cr = rope ? COS.doubles(w) : null, sr = rope ? SIN.doubles(w) : null, o = HEADS.doubles(d);
      for (int bi = 0; bi < b; bi++)
        for (int ti = 0; ti < t; ti++) {
          int at = (bi * t + ti) * w;
          xb.get(at, xr, 0, w);
          if (rope) {
            cb.get(at, cr, 0, w);
            sb.get(at, sr, 0, w);
          }
          for (int h = 0; h < heads; h++) {
            int base = h * d;
            if (rope) {
              for (int i = 0; i < half; i++) o[i] = (xr[base + i] * cr[base + i] - xr[base + half + i] * sr[base + i]) * scale;
              for (int i = half; i < d; i++) o[i] = (xr[base + i] * cr[base + i] + xr[base + i - half] * sr[base + i]) * scale;
            } else {
              for (int i = 0; i < d; i++) o[i] = xr[base + i] * scale;
            }
            ob.put(((bi * heads + h) * t + ti) * d, o, 0, d);
          }
        }
    }
    return out;
  }

  /**
   * The transpose of {@link #toHeads}: g [B*heads*T, d] -> [B*T, heads*d], scaled by scale and, when cos/sin are
   * given, pushed back through the rotation: dx = g * cos + rotate_half^T(g * sin), rotate_half^T([y1, y2]) = [y2, -y1].
   */
  static INDArray fromHeads(INDArray g, INDArray cos, INDArray sin, int b, int t, int heads, int d, double scale) {
    int w = heads * d, half = d / 2;
    if (g.length() != (long) b * t * w) throw new IllegalArgumentException("fromHeads: shape");
    INDArray out = Nd4j.createUninitialized(g.dataType(), (long) b * t, w);
    boolean rope = cos != null;
    if (isFloat(g)) {
      FloatBuffer gb = floats(g), ob = floats(out), cb = rope ? floats(cos) : null, sb = rope ? floats(sin) : null;
      int chunk = t * w;
      float[] gr = ROWS.floats(chunk), cr = rope ? COS.floats(chunk) : null, sr = rope ? SIN.floats(chunk) : null, o = HEADS.floats(chunk);
      float sc = (float) scale;
      for (int bi = 0; bi < b; bi++) {
        int at = bi * chunk;
        gb.get(at, gr, 0, chunk);
        if (rope) {
          cb.get(at, cr, 0, chunk);
          sb.get(at, sr, 0, chunk);
        }
        for (int ti = 0; ti < t; ti++)
          for (int h = 0; h < heads; h++) System.arraycopy(gr, (h * t + ti) * d, o, ti * w + h * d, d);
        if (rope) {                                   // dx = g cos + rotate_half^T(g sin), rotate_half^T([y1, y2]) = [y2, -y1]
          // g * sin goes into the ROWS scratch: g's rows are already in o
          float[] ys = gr, rr = ROTATED.floats(chunk);
          for (int j = 0; j < chunk; j++) ys[j] = o[j] * sr[j];
          for (int seg = 0; seg < chunk; seg += d) {
            System.arraycopy(ys, seg + half, rr, seg, half);
            System.arraycopy(ys, seg, rr, seg + half, half);
          }
          for (int seg = 0; seg < chunk; seg += d)
            for (int i = seg + half; i < seg + d; i++) rr[i] = -rr[i];
          for (int j = 0; j < chunk; j++) o[j] = (o[j] * cr[j] + rr[j]) * sc;
        } else if (sc != 1f) {
          for (int j = 0; j < chunk; j++) o[j] *= sc;
        }
        ob.put(at, o, 0, chunk);
      }
    } else {
      DoubleBuffer gb = doubles(g), ob = doubles(out), cb = rope ? doubles(cos) : null, sb = rope ? doubles(sin) : null;
      double[] gr = ROWS.doubles(w), cr = rope ? COS.doubles(w) : null, sr = rope ? SIN.doubles(w) : null, o = HEADS.doubles(w);
      for (int bi = 0; bi < b; bi++)
        for (int ti = 0; ti < t; ti++) {
          int at = (bi * t + ti) * w;
          for (int h = 0; h < heads; h++) gb.get(((bi * heads + h) * t + ti) * d, gr, h * d, d);
          if (rope) {
            cb.get(at, cr, 0, w);
            sb.get(at, sr, 0, w);
            for (int h = 0; h < heads; h++) {
              int base = h * d;
              for (int i = 0; i < half; i++) o[base + i] = (gr[base + i] * cr[base + i] + gr[base + half + i] * sr[base + half + i]) * scale;
              for (int i = half; i < d; i++) o[base + i] = (gr[base + i] * cr[base + i] - gr[base + i - half] * sr[base + i - half]) * scale;
            }
          } else {
            for (int i = 0; i < w; i++) o[i] = gr[i] * scale;
          }
          ob.put(at, o, 0, w);
        }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // RMSNorm

  /**
   * x [N, H], w [H]: writes xhat = x * rstd into xhatOut [N, H], rstd = 1 / sqrt(mean(x^2) + eps) into rstdOut [N, 1]
   * and returns y = xhat * w (a new array).
   */
  static INDArray rmsNormForward(INDArray x, INDArray w, double eps, INDArray xhatOut, INDArray rstdOut) {
    int rows = (int) x.size(0), cols = (int) x.size(1);
    if (w.length() != cols || xhatOut.length() != x.length() || rstdOut.length() != rows)
      throw new IllegalArgumentException("rmsNorm: shapes");
    INDArray y = Nd4j.createUninitialized(x.dataType(), x.shape());
    if (isFloat(x)) {
      FloatBuffer xb = floats(x), wb = floats(w), hb = floats(xhatOut), rb = floats(rstdOut), yb = floats(y);
      int blkRows = block(cols), blk = blkRows * cols;
      float[] xr = ROWS.floats(blk), wr = tiled(wb, cols, blkRows), yr = OUT.floats(blk), rr = RSTD.floats(blkRows);
      for (int r0 = 0; r0 < rows; r0 += blkRows) {
        int nr = Math.min(blkRows, rows - r0), at = r0 * cols, len = nr * cols;
        xb.get(at, xr, 0, len);
        for (int i = 0; i < nr; i++) {
          int o = i * cols;
          float rstd = (float) (1.0 / Math.sqrt(dot(xr, o, xr, o, cols) / (double) cols + eps));
          rr[i] = rstd;
          for (int j = o; j < o + cols; j++) {                 // one index for all arrays: vectorisable
            float h = xr[j] * rstd;
            xr[j] = h;
            yr[j] = h * wr[j];
          }
        }
        rb.put(r0, rr, 0, nr);
        hb.put(at, xr, 0, len);
        yb.put(at, yr, 0, len);
      }
    } else {
      DoubleBuffer xb = doubles(x), wb = doubles(w), hb = doubles(xhatOut), rb = doubles(rstdOut), yb = doubles(y);
      double[] xr = ROWS.doubles(cols), wr = WEIGHTS.doubles(cols), yr = OUT.doubles(cols);
      wb.get(0, wr, 0, cols);
      for (int i = 0; i < rows; i++) {
        int at = i * cols;
        xb.get(at, xr, 0, cols);
        double ss = 0;
        for (int j = 0; j < cols; j++) ss += xr[j] * xr[j];
        double rstd = 1.0 / Math.sqrt(ss / cols + eps);
        for (int j = 0; j < cols; j++) {
          double h = xr[j] * rstd;
          xr[j] = h;
          yr[j] = h * wr[j];
        }
        rb.put(i, rstd);
        hb.put(at, xr, 0, cols);
        yb.put(at, yr, 0, cols);
      }
    }
    return y;
  }

  /**
   * dx = rstd * (g - xhat * mean(g * xhat)), g = dy * w, plus {@code plus} [N, H] when given (the residual branch's
   * gradient, added in the same pass), as a new array.
   */
  static INDArray rmsNormBackward(INDArray dy, INDArray w, INDArray xhat, INDArray rstd, INDArray plus) {
    int rows = (int) dy.size(0), cols = (int) dy.size(1);
    if (w.length() != cols || xhat.length() != dy.length() || rstd.length() != rows || (plus != null && plus.length() != dy.length()))
      throw new IllegalArgumentException("rmsNorm backward: shapes");
    INDArray dx = Nd4j.createUninitialized(dy.dataType(), dy.shape());
    if (isFloat(dy)) {
      FloatBuffer db = floats(dy), wb = floats(w), hb = floats(xhat), rb = floats(rstd), ob = floats(dx);
      FloatBuffer pb = plus == null ? null : floats(plus);
      int blkRows = block(cols), blk = blkRows * cols;
      float[] g = ROWS.floats(blk), wr = tiled(wb, cols, blkRows), hr = XHAT.floats(blk), rr = RSTD.floats(blkRows);
      float[] pr = plus == null ? null : RESIDUAL.floats(blk);
      for (int r0 = 0; r0 < rows; r0 += blkRows) {
        int nr = Math.min(blkRows, rows - r0), at = r0 * cols, len = nr * cols;
        db.get(at, g, 0, len);
        hb.get(at, hr, 0, len);
        rb.get(r0, rr, 0, nr);
        for (int j = 0; j < len; j++) g[j] *= wr[j];
        for (int i = 0; i < nr; i++) {
          int o = i * cols;
          float m = dot(g, o, hr, o, cols) / cols, r = rr[i];
          for (int j = o; j < o + cols; j++) g[j] = (g[j] - hr[j] * m) * r;
        }
        if (pr != null) {
          pb.get(at, pr, 0, len);
          for (int j = 0; j < len; j++) g[j] += pr[j];
        }
        ob.put(at, g, 0, len);
      }
    } else {
      DoubleBuffer db = doubles(dy), wb = doubles(w), hb = doubles(xhat), rb = doubles(rstd), ob = doubles(dx);
      DoubleBuffer pb = plus == null ? null : doubles(plus);
      double[] g = ROWS.doubles(cols), wr = WEIGHTS.doubles(cols), hr = XHAT.doubles(cols), pr = plus == null ? null : RESIDUAL.doubles(cols);
      wb.get(0, wr, 0, cols);
      for (int i = 0; i < rows; i++) {
        int at = i * cols;
        db.get(at, g, 0, cols);
        hb.get(at, hr, 0, cols);
        double dot = 0;
        for (int j = 0; j < cols; j++) {
          g[j] *= wr[j];
          dot += g[j] * hr[j];
        }
        double m = dot / cols, r = rb.get(i);
        for (int j = 0; j < cols; j++) g[j] = (g[j] - hr[j] * m) * r;
        if (pr != null) {
          pb.get(at, pr, 0, cols);
          for (int j = 0; j < cols; j++) g[j] += pr[j];
        }
        ob.put(at, g, 0, cols);
      }
    }
    return dx;
  }

  /** dst += src, elementwise (same length, both c-order contiguous). */
  static void addInPlace(INDArray dst, INDArray src) {
    if (dst.length() != src.length() || dst.dataType() != src.dataType()) throw new IllegalArgumentException("add: shapes or types differ");
    int n = checkC(dst);
    checkC(src);
    if (isFloat(dst)) {
      FloatBuffer db = floats(dst), sb = floats(src);
      int blk = 1 << 14;
      float[] d = ROWS.floats(blk), a = ADDEND.floats(blk);
      for (int at = 0; at < n; at += blk) {
        int len = Math.min(blk, n - at);
        db.get(at, d, 0, len);
        sb.get(at, a, 0, len);
        for (int j = 0; j < len; j++) d[j] += a[j];
        db.put(at, d, 0, len);
      }
    } else {
      DoubleBuffer db = doubles(dst), sb = doubles(src);
      int blk = 1 << 13;
      double[] d = ROWS.doubles(blk), a = ADDEND.doubles(blk);
      for (int at = 0; at < n; at += blk) {
        int len = Math.min(blk, n - at);
        db.get(at, d, 0, len);
        sb.get(at, a, 0, len);
        for (int j = 0; j < len; j++) d[j] += a[j];
        db.put(at, d, 0, len);
      }
    }
  }
}
