package nomoat.pipeline.format;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LoadedModel;
import nomoat.pipeline.model.ModelLoader;
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
}
