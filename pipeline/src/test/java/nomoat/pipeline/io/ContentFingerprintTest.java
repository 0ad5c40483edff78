package nomoat.pipeline.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model's content fingerprint: equal for copies (other path, name, time), different for other contents. */
class ContentFingerprintTest {
  static final Configuration CONF = new Configuration();
  @TempDir Path tmp;

  static String fp(Path p) { return ContentFingerprint.of(CONF, p.toUri().toString()); }

  @Test
  void aCopyElsewhereHasTheSameFingerprintAndAChangedByteAnother() throws Exception {
    Path model = Fixtures.stories260K();
    Path copy = Files.createDirectories(tmp.resolve("elsewhere")).resolve("renamed.gguf");
    Files.copy(model, copy);
    Files.setLastModifiedTime(copy, FileTime.fromMillis(1_000_000));
    assertEquals(fp(model), fp(copy));
    assertEquals(64, fp(model).length());

    byte[] b = Files.readAllBytes(copy);
    b[b.length / 2] ^= 1;                                  // a small model is hashed whole: any byte counts
    Files.write(copy, b);
    assertNotEquals(fp(model), fp(copy));
  }

  @Test
  void aDirectoryIsItsFilesByNameWithoutSideFiles() throws Exception {
    Path a = Files.createDirectories(tmp.resolve("a")), b = Files.createDirectories(tmp.resolve("b"));
    Files.writeString(a.resolve("config.json"), "{\"hidden_size\": 64}");
    Files.writeString(a.resolve("model.safetensors"), "weights");
    Files.copy(a.resolve("config.json"), b.resolve("config.json"));
    Files.copy(a.resolve("model.safetensors"), b.resolve("model.safetensors"));
    Files.writeString(b.resolve(".model.safetensors.crc"), "checksum");
    Files.writeString(b.resolve("_SUCCESS"), "{}");
    assertEquals(fp(a), fp(b));
    Files.move(b.resolve("model.safetensors"), b.resolve("model-00001.safetensors"), StandardCopyOption.ATOMIC_MOVE);
    assertNotEquals(fp(a), fp(b), "file names inside a directory count");
    NomoatException e = assertThrows(NomoatException.class, () -> fp(tmp.resolve("nope")));
    assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void aLargeFileIsSampledHeadPiecesAndTail() throws Exception {
    Path big = tmp.resolve("big.safetensors");
    long len = ContentFingerprint.WHOLE_FILE_BYTES + (10L << 20);
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) { f.setLength(len); }   // sparse: cheap to make
    String before = fp(big);
    long[] third = ContentFingerprint.pieces(len).get(3);
    poke(big, third[0] + 5);
    String sampled = fp(big);
    assertNotEquals(before, sampled, "a change inside a sampled piece");
    poke(big, ContentFingerprint.HEAD_BYTES - 1);
    assertNotEquals(sampled, fp(big), "a change in the header");
    String headToo = fp(big);
    poke(big, third[0] + ContentFingerprint.SAMPLE_BYTES + 7);   // between samples: the price of reading ~6 MB, not the file
    assertEquals(headToo, fp(big));
    assertEquals(ContentFingerprint.SAMPLES + 2, ContentFingerprint.pieces(len).size());
    assertEquals(len - ContentFingerprint.SAMPLE_BYTES, ContentFingerprint.pieces(len).get(ContentFingerprint.SAMPLES + 1)[0]);
  }

  static void poke(Path p, long at) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.seek(at);
      f.write(0x5A);
    }
  }
}
