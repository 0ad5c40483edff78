package nomoat.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import nomoat.pipeline.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `nomoat generate` on the real stories260K model, through the CLI. */
class GenerateCommandTest {
  static final String LILY = "Once upon a time, there was a little girl named Lily.";
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  static String[] args(String... more) {
    List<String> all = new java.util.ArrayList<>(List.of("generate", "model.path=" + Fixtures.stories260K(), "generate.template=raw",
        "generate.max-new-tokens=40"));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  @Test
  void greedyFromBosReproducesLlama2csSample() {
    CliTest.Run r = CliTest.run(args("--prompt", ""));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith(LILY), r.out());
  }

  @Test
  void jsonHasIdsAndTextAndPromptsFileGivesOneObjectPerPrompt() throws Exception {
    Path prompts = tmp.resolve("prompts.jsonl");
    Files.writeString(prompts, "{\"prompt\": \"\"}\n\n\"Once upon a time, there was a little\"\n");
    CliTest.Run r = CliTest.run(args("--prompts-file", prompts.toString(), "--json"));
    assertEquals(0, r.code(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(2, lines.size(), r.out());
    JsonNode first = JSON.readTree(lines.get(0));
    assertEquals(List.of(1), JSON.convertValue(first.get("prompt_ids"), List.class));
    assertEquals(40, first.get("ids").size());
    assertEquals("max_new_tokens", first.get("stop").asText());
    assertTrue(first.get("text").asText().startsWith(LILY), first.toString());
    JsonNode second = JSON.readTree(lines.get(1));
    assertTrue(second.get("text").asText().startsWith("girl named Lily. She loved to play"), second.toString());
    assertTrue(second.get("prompt_ids").size() > 5);
  }

  @Test
  void samplingIsSeeded() {
    String[] a = args("--prompt", "", "generate.temperature=1.0", "generate.top-k=20", "generate.top-p=0.9", "generate.seed=7");
    CliTest.Run one = CliTest.run(a), two = CliTest.run(a);
    assertEquals(0, one.code(), one.err());
    assertEquals(one.out(), two.out());
    CliTest.Run other = CliTest.run(args("--prompt", "", "generate.temperature=1.0", "generate.seed=8"));
    assertTrue(!other.out().equals(one.out()), "another seed, another sample");
  }

  @Test
  void badPromptsFileIsOneLineExitFour() throws Exception {
    Path prompts = tmp.resolve("bad.jsonl");
    Files.writeString(prompts, "\"fine\"\n{\"text\": 3}\n");
    CliTest.Run r = CliTest.run(args("--prompts-file", prompts.toString()));
    assertEquals(4, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("bad.jsonl:2"), r.err());
    CliTest.Run noModel = CliTest.run("generate", "--prompt", "x");
    assertEquals(3, noModel.code());
    assertTrue(noModel.err().contains("model.path"), noModel.err());
  }

  @Test
  void chatReadsTurnsFromPipedStdinAndKeepsTheConversation() {
    InputStream saved = System.in;
    try {
      System.setIn(new ByteArrayInputStream("Once upon a time\nThe end\n".getBytes(StandardCharsets.UTF_8)));
      CliTest.Run r = CliTest.run(args("generate.template=vicuna_v1.1", "generate.max-new-tokens=12", "--json"));
      assertEquals(0, r.code(), r.err());
      List<String> lines = r.out().lines().toList();
      assertEquals(2, lines.size(), r.out());
      JsonNode second = JSON.readTree(lines.get(1));
      String rendered = second.get("rendered").asText();
      // the second turn's prompt holds the first exchange, rendered by the template
      assertTrue(rendered.contains("USER: Once upon a time ASSISTANT:"), rendered);
      assertTrue(rendered.endsWith("USER: The end ASSISTANT:"), rendered);
    } catch (Exception e) {
      throw new AssertionError(e);
    } finally {
      System.setIn(saved);
    }
  }
}
