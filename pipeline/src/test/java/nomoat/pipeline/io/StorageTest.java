package nomoat.pipeline.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.NomoatException.ExitCode;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageTest {
  @TempDir Path tmp;
  final Configuration conf = new Configuration();

  @Test
  void writeReadShaAndExists() {
    String uri = tmp.resolve("a/b/hello.txt").toUri().toString();
    assertFalse(Storage.exists(conf, uri));
    Storage.writeBytes(conf, uri, "hello".getBytes(StandardCharsets.UTF_8));
    assertTrue(Storage.exists(conf, uri));
    assertEquals("hello", new String(Storage.readAllBytes(conf, uri, 100), StandardCharsets.UTF_8));
    assertEquals("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", Storage.sha256(conf, uri));
    Storage.writeBytes(conf, uri, "bye".getBytes(StandardCharsets.UTF_8));
    assertEquals("bye", new String(Storage.readAllBytes(conf, uri, 100), StandardCharsets.UTF_8));
  }

  @Test
  void sizeCapAndMissingFileNameTheFile() {
    String uri = tmp.resolve("big.bin").toUri().toString();
    Storage.writeBytes(conf, uri, new byte[1000]);
    NomoatException e = assertThrows(NomoatException.class, () -> Storage.readAllBytes(conf, uri, 999));
    assertEquals(ExitCode.INPUT_DATA, e.exitCode());
    assertTrue(e.getMessage().contains(uri) && e.getMessage().contains("999"), e.getMessage());
    String missing = tmp.resolve("nope.txt").toUri().toString();
    NomoatException m = assertThrows(NomoatException.class, () -> Storage.readAllBytes(conf, missing, 10));
    assertTrue(m.getMessage().contains(missing), m.getMessage());
    assertThrows(NomoatException.class, () -> Storage.sha256(conf, missing));
  }
}
