package nomoat.pipeline.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import nomoat.pipeline.format.LoadedModel;
import nomoat.pipeline.format.ModelLoader;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.lora.LoraSpec;
import nomoat.pipeline.model.Batch;
import nomoat.pipeline.model.IncrementalDecoder;
import nomoat.pipeline.model.LlamaConfig;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.model.Scoring;
import nomoat.pipeline.model.TinyModels;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class GenerationTest {

  /** llama2.c doc/stories260K.md: `./run stories260K.bin -z tok512.bin -t 0.0` (256 steps from BOS). */
  static final String STORIES260K_GREEDY = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
      + "One day, she saw a big, red ball. She wanted to play with it, but it was too high.\n"
      + "Lily's mom said, \"Lily, let's go to the park.\" Lily was sad and didn't know what to do. "
      + "She said, \"I want to play with your ball, but I can't find it.\"\n"
      + "Lily was sad and didn't know what to do. She said, \"I'm sorry, Lily. I didn't know what to do.\"\n"
      + "Lily didn't want to help her mom, so she said, \"I'm sorry, mom. I didn't know what to do.\" "
      + "Her mom said, \"Don't worry, Lily. We can help you.";

  @Test
  void stories260KGreedyReproducesLlama2cTokenForToken(@TempDir Path dir) throws Exception {
    LoadedModel loaded = ModelLoader.load(new Configuration(), Fixtures.stories260K().toString());
    LlamaModel model = new LlamaModel(loaded.weights());
    int[] out = Generator.generate(model, List.of(), new int[] {loaded.config().bosTokenId()}, GenerationConfig.greedy(256));
    Files.write(dir.resolve("tokenizer.json"), loaded.tokenizerJson());
    Files.write(dir.resolve("tokenizer_config.json"), loaded.tokenizerConfigJson());
    try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"))) {
      String text = tok.decode(Arrays.stream(out).asLongStream().toArray(), true);
      assertEquals(256, out.length, text);
      assertEquals(STORIES260K_GREEDY, text);
      // and token for token: the documented text re-encoded is what we generated
      long[] ids = tok.encode(STORIES260K_GREEDY).getIds();
      assertArrayEquals(Arrays.copyOfRange(ids, 1, ids.length), Arrays.stream(out).asLongStream().toArray());
    }
  }

  @Test
  void kvCacheLogitsEqualFullForwardWithAdaptersAndBiases() {
    LlamaConfig c = TinyModels.gqa();
    LlamaModel model = new LlamaModel(TinyModels.withAttentionBias(TinyModels.weights(c, DataType.DOUBLE, 3), 4));
    LoraAdapter ad = TinyModels.adapter(c, TinyModels.spec(2, 4, 0, Set.copyOf(LoraSpec.ALL_MODULES), null), DataType.DOUBLE, 4);
    int[] ids = TinyModels.randomIds(new Random(1), 9, c.vocabSize());
    INDArray full = Scoring.logits(model, List.of(ad), new Batch(1, 9, ids, ids.clone(), null, null, null));
    IncrementalDecoder dec = new IncrementalDecoder(model, List.of(ad), 9);
    double[] first = dec.feed(Arrays.copyOf(ids, 4));
    assertArrayEquals(full.getRow(3).toDoubleVector(), first, 1e-10);
    for (int t = 4; t < 9; t++) assertArrayEquals(full.getRow(t).toDoubleVector(), dec.feed(ids[t]), 1e-10, "position " + t);
  }

  @Test
  void samplingIsSeededAndDegeneratesToGreedy() {
    LlamaConfig c = TinyModels.config(31, 16, 24, 1, 2, 1, false);
    LlamaModel model = new LlamaModel(TinyModels.weights(c, DataType.FLOAT, 5));
    int[] prompt = {1, 4, 7};
    int[] greedy = Generator.generate(model, List.of(), prompt, new GenerationConfig(12, 0, 0, 1, 0, false));
    assertEquals(12, greedy.length);
    assertArrayEquals(greedy, Generator.generate(model, List.of(), prompt, new GenerationConfig(12, 0.8, 1, 1, 7, false)));
    assertArrayEquals(greedy, Generator.generate(model, List.of(), prompt, new GenerationConfig(12, 1.0, 0, 1e-9, 7, false)));
    GenerationConfig hot = new GenerationConfig(12, 5.0, 0, 1, 7, false);
    int[] s1 = Generator.generate(model, List.of(), prompt, hot);
    assertArrayEquals(s1, Generator.generate(model, List.of(), prompt, hot));
    assertNotEquals(Arrays.toString(s1), Arrays.toString(Generator.generate(model, List.of(), prompt, new GenerationConfig(12, 5.0, 0, 1, 8, false))));
    int eos = greedy[3];
    LlamaConfig stop = new LlamaConfig(31, 16, 24, 1, 2, 1, 8, 1e-5, 10000, null, 512, false, false, 1, List.of(99, eos), "float32");
    int[] stopped = Generator.generate(new LlamaModel(new nomoat.pipeline.model.LlamaWeights(stop, model.weights().tensors())), List.of(), prompt,
        new GenerationConfig(12, 0, 0, 1, 0, true));
    int firstEos = 0;
    while (greedy[firstEos] != eos) firstEos++;
    assertArrayEquals(Arrays.copyOf(greedy, firstEos + 1), stopped);
    assertTrue(stopped.length <= 4);
  }
}
