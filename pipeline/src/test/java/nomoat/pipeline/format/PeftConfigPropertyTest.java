package nomoat.pipeline.format;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.lora.LoraSpec;

/**
 * adapter_config.json of a PEFT directory nomoat did not write, cut short or with a byte flipped or a value of
 * another JSON type: the adapter reads, or one NomoatException names the file; never another exception type.
 */
class PeftConfigPropertyTest {
  static final Path VALID;
  static final byte[] CONFIG;

  static {
    try {
      VALID = Files.createTempDirectory("nomoat-peft");
      PeftAdapterDir.write(PeftAdapterDirTest.CONF, VALID.toString(),
          PeftAdapterDirTest.randomAdapter(new LoraSpec(4, 8, 0.05, Set.of("q_proj", "v_proj"), null, false)), "base", Safetensors.Dtype.F32);
      CONFIG = Files.readAllBytes(VALID.resolve(PeftAdapterDir.CONFIG));
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  static final String[] VALUES = {"null", "true", "\"x\"", "-3", "0", "2.5", "1e400", "[]", "[\"q_proj\", 7]", "{}", "[0, \"1\"]", "\"all-linear\""};
  static final String[] KEYS = {"r", "lora_alpha", "lora_dropout", "target_modules", "layers_to_transform", "use_rslora", "peft_type",
      "bias", "use_dora", "fan_in_fan_out", "modules_to_save", "rank_pattern"};

  @Property(tries = 200, seed = "20261205")
  void aDamagedConfigReadsOrNamesTheFile(@ForAll long seed) throws Exception {
    Random rnd = new Random(seed);
    byte[] bytes;
    switch (rnd.nextInt(3)) {
      case 0 -> bytes = Arrays.copyOf(CONFIG, rnd.nextInt(CONFIG.length));
      case 1 -> {
        bytes = CONFIG.clone();
        bytes[rnd.nextInt(bytes.length)] ^= (byte) (1 + rnd.nextInt(255));
      }
      default -> {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var c = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(CONFIG);
        c.set(KEYS[rnd.nextInt(KEYS.length)], json.readTree(VALUES[rnd.nextInt(VALUES.length)]));
        bytes = json.writeValueAsBytes(c);
      }
    }
    Path dir = Files.createTempDirectory(VALID.getParent(), "peft-try");
    Files.copy(VALID.resolve(PeftAdapterDir.WEIGHTS), dir.resolve(PeftAdapterDir.WEIGHTS));
    Files.write(dir.resolve(PeftAdapterDir.CONFIG), bytes);
    try {
      PeftAdapterDir.read(PeftAdapterDirTest.CONF, dir.toString(), PeftAdapterDirTest.BASE);
    } catch (NomoatException e) {
      assertTrue(e.getMessage().contains(dir.getFileName().toString()), e.getMessage());
      assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    } catch (Throwable t) {
      fail("not a NomoatException: " + t, t);
    }
  }
}
