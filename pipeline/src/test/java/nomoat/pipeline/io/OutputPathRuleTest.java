package nomoat.pipeline.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.NomoatException.ExitCode;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An output may not be, lie inside, or contain anything the stage reads. */
class OutputPathRuleTest {
  @TempDir Path tmp;
  final Configuration conf = new Configuration();

  @BeforeEach
  void dataset() throws Exception {
    Files.createDirectories(tmp.resolve("data/2024"));
    Files.writeString(tmp.resolve("data/a.jsonl"), "{}\n");
    Files.writeString(tmp.resolve("data/2024/b.jsonl"), "{}\n");
    Files.createDirectories(tmp.resolve("tok"));
    Files.writeString(tmp.resolve("tok/tokenizer.json"), "{}");
  }

  private String uri(String rel) { return tmp.resolve(rel).toUri().toString(); }

  private void refused(String output, String input, String relation) throws Exception {
    List<String> before = listing();
    NomoatException e = assertThrows(NomoatException.class, () -> CommittedOutput.begin(conf, output, true, List.of(input)));
    assertEquals(ExitCode.CONFIG, e.exitCode(), e.getMessage());
    assertTrue(e.getMessage().contains(relation + input), e.getMessage());
    assertEquals(before, listing(), "nothing touched");
  }

  private void allowed(String output, String input) {
    CommittedOutput o = CommittedOutput.begin(conf, output, false, List.of(input));
    o.abort();
  }

  private List<String> listing() throws Exception {
    try (Stream<Path> s = Files.walk(tmp)) {
      return s.map(p -> tmp.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void theInputFolderItselfIsRefused() throws Exception {
    refused(uri("data"), uri("data"), "is the input ");
    refused(uri("data"), tmp.resolve("data").toString(), "is the input ");           // a plain path, not a URI
  }

  @Test
  void anOutputInsideAnInputIsRefused() throws Exception {
    refused(uri("data/prepared"), uri("data"), "is inside input ");
    refused(uri("data/2024/prepared"), uri("data/*"), "is inside input ");           // the glob would read the output back
    refused(uri("tok/prepared"), uri("tok"), "is inside input ");
  }

  @Test
  void anOutputContainingAnInputIsRefused() throws Exception {
    refused(uri("data"), uri("data/a.jsonl"), "contains input ");
    refused(uri("data"), uri("data/*/b.jsonl"), "contains input ");
    refused(tmp.toUri().toString(), uri("tok"), "contains input ");
    refused(uri("data"), "file://" + tmp + "/{other,data/2024}/*.jsonl", "contains input ");      // braces may hold a slash
  }

  @Test
  void siblingsAndNonMatchingGlobsAreAllowed() {
    allowed(uri("prepared"), uri("data"));
    allowed(uri("data/prepared"), uri("data/*.jsonl"));                             // the glob never matches the output
    allowed(uri("data-prepared"), uri("data"));                                      // a shared name prefix is not a parent
    allowed(uri("prepared"), "hdfs://namenode:8020" + tmp.resolve("prepared"));      // another file system
  }
}
