package nomoat.bench;

/**
 * Model FLOPs per trained token, the same estimate as the peer benchmark (peer_bench.py):
 * fwd = 2N + 2N_lora + 4·L·T·d_attn, bwd = 2N + 4N_lora + 8·L·T·d_attn, where N counts base matmul parameters
 * including the LM head and the frozen base needs activation gradients only.
 */
public record FlopEstimate(long matmulParams, double forwardPerToken, double backwardPerToken) {

  public static FlopEstimate of(BenchModel m, long loraParams) {
    long hd = m.headDim();
    long perLayer = (long) m.hidden() * m.heads() * hd + 2L * m.hidden() * m.kvHeads() * hd
        + (long) m.heads() * hd * m.hidden() + 3L * m.hidden() * m.intermediate();
    long n = m.layers() * perLayer + (long) m.vocab() * m.hidden();
    double attn = 4.0 * m.layers() * m.seq() * m.heads() * hd;
    return new FlopEstimate(n, 2.0 * n + 2.0 * loraParams + attn, 2.0 * n + 4.0 * loraParams + 2 * attn);
  }

  public double perToken() { return forwardPerToken + backwardPerToken; }
}
