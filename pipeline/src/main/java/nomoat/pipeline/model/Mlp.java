package nomoat.pipeline.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** SwiGLU: y = down(silu(gate(x)) * up(x)). x, y [N, H]; gate/up outputs [N, I]. */
final class Mlp {
  final Linear gate, up, down;

  Mlp(Linear gate, Linear up, Linear down) {
    this.gate = gate;
    this.up = up;
    this.down = down;
  }

  record Cache(Linear.Cache gate, Linear.Cache up, Linear.Cache down, INDArray u, INDArray sig, INDArray silu) {}

  INDArray forward(INDArray x, Map<String, ActiveLora> lora, Cache[] save) {
    return forward(x, lora, save, null);
  }

  /** residual + forward(x), the residual added inside the down projection's gemm. */
  INDArray forward(INDArray x, Map<String, ActiveLora> lora, Cache[] save, INDArray residual) {
    Linear.Cache[] cg = save != null ? new Linear.Cache[1] : null, cu = save != null ? new Linear.Cache[1] : null,
        cd = save != null ? new Linear.Cache[1] : null;
    INDArray g = gate.forward(x, lora.get(gate.path), cg);                    // [N, I]
    INDArray u = up.forward(x, lora.get(up.path), cu);                        // [N, I]
    INDArray sig = Nd4j.createUninitialized(g.dataType(), g.shape());
    INDArray hid = Kernels.swigluForward(g, u, sig);                          // g becomes silu(g)
    INDArray silu = g;
    INDArray y = down.forward(hid, lora.get(down.path), cd, residual);        // [N, H]
    if (save != null) save[0] = new Cache(cg[0], cu[0], cd[0], u, sig, silu);
    return y;
  }

  boolean trains(Map<String, ActiveLora> lora) {
    return ActiveLora.trains(lora, gate) || ActiveLora.trains(lora, up) || ActiveLora.trains(lora, down);
  }

  /** dy [N, H] -> dx [N, H] when needDx, else null; adapter gradients into grads. */
  INDArray backward(INDArray dy, Cache c, Map<String, ActiveLora> lora, boolean needDx, Grads grads) {
    boolean needAct = needDx || ActiveLora.trains(lora, gate) || ActiveLora.trains(lora, up);
    INDArray da = down.backward(dy, c.down, lora.get(down.path), needAct, grads);   // [N, I]
    if (!needAct) return null;
    // du = da * silu; dg = da * u * d silu(g)/dg, d silu(g)/dg = sig * (1 + g * (1 - sig)) = sig + silu - silu * sig
    INDArray du = Kernels.swigluBackward(da, c.u, c.sig, c.silu);
    INDArray dg = da;
    INDArray dxg = gate.backward(dg, c.gate, lora.get(gate.path), needDx, grads);
    return up.backward(du, c.up, lora.get(up.path), needDx, grads, dxg);      // dx = dx_gate + dx_up
  }
}
