package nomoat.pipeline.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** One LLaMA block: x += o(attn(rope(q(n1 x)), rope(k(n1 x)), v(n1 x))); x += mlp(n2 x). x [N, H]. */
final class DecoderLayer {
  final int index;
  final RmsNorm inputNorm, postNorm;
  final Linear q, k, v, o;
  final Mlp mlp;
  private final Gemm gemm;      // attention's products (the projections hold their own)

  DecoderLayer(int index, RmsNorm inputNorm, Linear q, Linear k, Linear v, Linear o, RmsNorm postNorm, Mlp mlp, Gemm gemm) {
    this.index = index;
    this.inputNorm = inputNorm;
    this.q = q;
    this.k = k;
    this.v = v;
    this.o = o;
    this.postNorm = postNorm;
    this.mlp = mlp;
    this.gemm = gemm;
  }

  record Cache(RmsNorm.Cache n1, Linear.Cache q, Linear.Cache k, Linear.Cache v, Attention.Cache attn, Linear.Cache o,
               RmsNorm.Cache n2, Mlp.Cache mlp) {}

  /**
   * The per-step inputs every layer shares: what the tokens attend to, their rotary tables, the adapters, and when
   * decoding the key/value cache (null for training and scoring).
   */
  record Step(Attention.Shape shape, INDArray[] masks, Attention.RopeTables rope, Map<String, ActiveLora> lora, KvCache kv) {}

  /** x [N, H] -> the block's output [N, H]; with save != null, save[0] gets what backward needs. */
  INDArray forward(INDArray x, Step st, Cache[] save) {
    boolean keep = save != null;
    RmsNorm.Cache[] n1 = keep ? new RmsNorm.Cache[1] : null, n2 = keep ? new RmsNorm.Cache[1] : null;
    Linear.Cache[] cq = keep ? new Linear.Cache[1] : null, ck = keep ? new Linear.Cache[1] : null,
        cv = keep ? new Linear.Cache[1] : null, co = keep ? new Linear.Cache[1] : null;
    Attention.Cache[] ca = keep ? new Attention.Cache[1] : null;
    Mlp.Cache[] cm = keep ? new Mlp.Cache[1] : null;

    INDArray h = inputNorm.forward(x, n1);                                                 // [N, H]
    INDArray qp = q.forward(h, st.lora.get(q.path), cq);                                  // [N, nh*d]
    INDArray kp = k.forward(h, st.lora.get(k.path), ck);                                  // [N, nkv*d]
    INDArray vs = v.forward(h, st.lora.get(v.path), cv);                                   // [N, nkv*d]
    INDArray att = Attention.forward(gemm, qp, kp, vs, st.rope(), st.masks, st.shape,      // rotary applied inside; [N, nh*d]
        st.kv == null ? null : st.kv.layer(index), ca);
    INDArray x2 = o.forward(att, st.lora.get(o.path), co, x);                               // x + o(att) [N, H]
    INDArray y = mlp.forward(postNorm.forward(x2, n2), st.lora, cm, x2);                     // x2 + mlp(n2 x2)
    if (keep) save[0] = new Cache(n1[0], cq[0], ck[0], cv[0], ca[0], co[0], n2[0], cm[0]);
    return y;
  }

  /** dy [N, H] -> dx [N, H] when needDx, else null. Work below the lowest trained projection is skipped. */
  INDArray backward(INDArray dy, Cache c, Step st, boolean needDx, Grads grads) {
    Map<String, ActiveLora> lora = st.lora;
    boolean tq = ActiveLora.trains(lora, q), tk = ActiveLora.trains(lora, k), tv = ActiveLora.trains(lora, v), to = ActiveLora.trains(lora, o);
    boolean needAttn = needDx || tq || tk || tv || to;
    // MLP branch: x3 = x2 + mlp(n2(x2))
    INDArray dh2 = mlp.backward(dy, c.mlp, lora, needAttn, grads);
    if (!needAttn) return null;
    INDArray dx2 = postNorm.backwardPlus(dh2, c.n2, dy);                // dy + the MLP branch's part
    // attention branch: x2 = x + o(attn(...))
    boolean needDatt = needDx || tq || tk || tv;
    INDArray datt = o.backward(dx2, c.o, lora.get(o.path), needDatt, grads);
    if (!needDatt) return null;
    INDArray[] dqkv = Attention.backward(gemm, datt, c.attn, st.shape, st.rope(), needDx || tq, needDx || tk, needDx || tv);
    INDArray dh = null;                                                // dq, dk: already back through the rotation
    if (dqkv[0] != null) dh = q.backward(dqkv[0], c.q, lora.get(q.path), needDx, grads, dh);  // summed into dh
    if (dqkv[1] != null) dh = k.backward(dqkv[1], c.k, lora.get(k.path), needDx, grads, dh);
    if (dqkv[2] != null) dh = v.backward(dqkv[2], c.v, lora.get(v.path), needDx, grads, dh);
    if (!needDx) return null;
    return inputNorm.backwardPlus(dh, c.n1, dx2);
  }

  /** Whether any projection of this layer has a trainable adapter. */
  boolean trains(Map<String, ActiveLora> lora) {
    return ActiveLora.trains(lora, q) || ActiveLora.trains(lora, k) || ActiveLora.trains(lora, v) || ActiveLora.trains(lora, o) || mlp.trains(lora);
  }
}
