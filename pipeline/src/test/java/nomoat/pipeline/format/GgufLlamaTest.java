package nomoat.pipeline.format;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class GgufLlamaTest {
  static final Configuration CONF = new Configuration();

  @Test
  void stories260KLoadsWithTheDocumentedConfig() {
    LoadedModel m = ModelLoader.load(CONF, Fixtures.stories260K().toString());
    LlamaConfig c = m.config();
    assertEquals(512, c.vocabSize());
    assertEquals(64, c.hiddenSize());
    assertEquals(172, c.intermediateSize());
    assertEquals(5, c.numLayers());
    assertEquals(8, c.numHeads());
    assertEquals(4, c.numKvHeads());
    assertEquals(8, c.headDim());
    assertEquals(1e-5, c.rmsNormEps());
    assertEquals(10000.0, c.ropeTheta());
    assertEquals(2048, c.maxPositionEmbeddings()); // the file says 2048 (llama2c conversion default); trained on 512
    assertTrue(c.tieWordEmbeddings());
    assertEquals(1, c.bosTokenId());
    assertEquals(List.of(2), c.eosTokenIds());
    assertEquals("float32", c.torchDtype());
    assertArrayEquals(new long[] {512, 64}, m.weights().get("model.embed_tokens.weight").shape());
    assertArrayEquals(new long[] {32, 64}, m.weights().get("model.layers.4.self_attn.k_proj.weight").shape());
    assertArrayEquals(new long[] {64, 172}, m.weights().get("model.layers.0.mlp.down_proj.weight").shape());
    assertSame(m.weights().get("model.embed_tokens.weight"), m.weights().lmHead());
    assertEquals(5 * 9 + 2, m.weights().tensors().size());
  }

  /** llama.cpp convert_hf_to_gguf permute, transliterated: reshape(H, 2, hd/2, in).swapaxes(1, 2). */
  static float[] llamaCppPermute(float[] hf, int rows, int cols, int nHeads) {
    int hd = rows / nHeads, half = hd / 2;
    float[] out = new float[hf.length];
    for (int h = 0; h < nHeads; h++)
      for (int i = 0; i < half; i++)
        for (int j = 0; j < 2; j++)
          System.arraycopy(hf, (h * hd + j * half + i) * cols, out, (h * hd + i * 2 + j) * cols, cols);
    return out;
  }

  @Test
  void rotaryUnpermuteIsTheInverseOfLlamaCppPermute() {
    LoadedModel m = ModelLoader.load(CONF, Fixtures.stories260K().toString());
    try (Gguf.Reader r = Gguf.open(CONF, Fixtures.stories260K().toString())) {
      for (int layer = 0; layer < 5; layer++) {
        for (String[] qk : new String[][] {{"attn_q", "q_proj", "8"}, {"attn_k", "k_proj", "4"}}) {
          INDArray hf = m.weights().get("model.layers." + layer + ".self_attn." + qk[1] + ".weight");
          float[] back = llamaCppPermute(hf.dup('c').data().asFloat(), (int) hf.size(0), (int) hf.size(1), Integer.parseInt(qk[2]));
          byte[] raw = r.rawBytes("blk." + layer + "." + qk[0] + ".weight");
          ByteBuffer bb = ByteBuffer.allocate(back.length * 4).order(ByteOrder.LITTLE_ENDIAN);
          for (float f : back) bb.putFloat(f);
          assertArrayEquals(raw, bb.array(), "layer " + layer + " " + qk[0]);
          // and the conversion really moved rows (otherwise the test proves nothing)
          assertNotEquals(hf.getFloat(1, 0), r.read("blk." + layer + "." + qk[0] + ".weight").getFloat(1, 0));
        }
      }
    }
  }

  @Test
  void otherTensorsAreTheFileBytesTransposedToRowMajor() {
    LoadedModel m = ModelLoader.load(CONF, Fixtures.stories260K().toString());
    try (Gguf.Reader r = Gguf.open(CONF, Fixtures.stories260K().toString())) {
      // GGUF ne = [in=172, out=64] for ffn_down: row-major [64, 172], element (o, i) at o*172 + i
      ByteBuffer raw = ByteBuffer.wrap(r.rawBytes("blk.2.ffn_down.weight")).order(ByteOrder.LITTLE_ENDIAN);
      INDArray w = m.weights().get("model.layers.2.mlp.down_proj.weight");
      assertEquals(raw.getFloat((5 * 172 + 170) * 4), w.getFloat(5, 170));
      ByteBuffer emb = ByteBuffer.wrap(r.rawBytes("token_embd.weight")).order(ByteOrder.LITTLE_ENDIAN);
      assertEquals(emb.getFloat((300 * 64 + 7) * 4), m.weights().get("model.embed_tokens.weight").getFloat(300, 7));
    }
  }
}
