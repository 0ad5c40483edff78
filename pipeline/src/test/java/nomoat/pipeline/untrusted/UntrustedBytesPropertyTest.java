package nomoat.pipeline.untrusted;

import static nomoat.pipeline.untrusted.Mutations.succeedsOrNamesTheFile;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import nomoat.pipeline.format.Gguf;
import nomoat.pipeline.format.Safetensors;
import nomoat.pipeline.source.InputFile;
import nomoat.pipeline.source.ReadResults;
import nomoat.pipeline.source.SourceFormat;
import nomoat.pipeline.source.SourceReader;
import nomoat.pipeline.testing.Fixtures;
import org.apache.hadoop.conf.Configuration;

/**
 * Readers of files nomoat did not write: cut short, a byte flipped or a huge size written in, each either reads
 * or fails with one NomoatException naming the file, never another exception type and never an allocation the
 * file's length cannot back (that would surface as OutOfMemoryError or NegativeArraySizeException here).
 * Seeded and few tries, so the suite stays fast and a failure repeats.
 */
class UntrustedBytesPropertyTest {
  static final Configuration CONF = new Configuration();
  static final byte[] SAFETENSORS = safetensors();
  static final byte[] GGUF = readFixture(Fixtures.stories260K());
  static final byte[] JSONL = ("{\"instruction\": \"a\", \"output\": \"b\"}\n{\"instruction\": \"\\u00e9\", \"output\": [1, 2]}\n"
      + "not json\n{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n").getBytes(StandardCharsets.UTF_8);
  static final byte[] JSON = ("[{\"instruction\": \"a\", \"output\": \"b\"}, {\"instruction\": \"c\", \"input\": \"\", "
      + "\"output\": \"d\\n\"}, 7, {\"x\": {\"y\": [null, true, 1.5e300]}}]").getBytes(StandardCharsets.UTF_8);
  static final byte[] CSV = "instruction,input,output\na,,b\n\"multi\nline\",\"q \"\"x\"\"\",c\nd,e,f\n".getBytes(StandardCharsets.UTF_8);

  static byte[] readFixture(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static byte[] safetensors() {
    byte[] header = ("{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
        + "\"b\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[16,22]}}").getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.allocate(8 + header.length + 22).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(header.length).put(header);
    for (int i = 0; i < 4; i++) b.putFloat(i);
    for (int i = 0; i < 3; i++) b.putShort((short) 0x3c00);
    return b.array();
  }

  @Property(tries = 300, seed = "20261205")
  void safetensorsHeader(@ForAll Mutations.Kind kind, @ForAll @DoubleRange(min = 0, max = 1) double where, @ForAll long value) {
    Path f = Mutations.write("model.safetensors", Mutations.apply(SAFETENSORS, kind, where, value, SAFETENSORS.length));
    succeedsOrNamesTheFile(f.getFileName().toString(), () -> {
      try (Safetensors.Reader r = Safetensors.open(CONF, f.toUri().toString())) {
        r.tensors().keySet().forEach(r::read);
      }
    });
    succeedsOrNamesTheFile("model.safetensors", () -> Safetensors.decode(readFixture(f), "model.safetensors"));
  }

  @Property(tries = 200, seed = "20261205")
  void ggufHeaderAndMetadata(@ForAll Mutations.Kind kind, @ForAll @DoubleRange(min = 0, max = 1) double where, @ForAll long value) {
    // the header, metadata and tensor table: the first 32 KiB of the file (the rest is tensor data)
    Path f = Mutations.write("model.gguf", Mutations.apply(GGUF, kind, where, value, 32 << 10));
    succeedsOrNamesTheFile(f.getFileName().toString(), () -> {
      try (Gguf.Reader r = Gguf.open(CONF, f.toUri().toString())) {
        r.tensors().keySet().forEach(r::info);
      }
    });
  }

  @Property(tries = 200, seed = "20261205")
  void jsonlRows(@ForAll Mutations.Kind kind, @ForAll @DoubleRange(min = 0, max = 1) double where, @ForAll long value) {
    readsRowsOrNamesTheFile("rows.jsonl", Mutations.apply(JSONL, kind, where, value, JSONL.length));
  }

  @Property(tries = 200, seed = "20261205")
  void jsonArrayRows(@ForAll Mutations.Kind kind, @ForAll @DoubleRange(min = 0, max = 1) double where, @ForAll long value) {
    readsRowsOrNamesTheFile("rows.json", Mutations.apply(JSON, kind, where, value, JSON.length));
  }

  @Property(tries = 200, seed = "20261205")
  void csvRows(@ForAll Mutations.Kind kind, @ForAll @DoubleRange(min = 0, max = 1) double where, @ForAll long value) {
    readsRowsOrNamesTheFile("rows.csv", Mutations.apply(CSV, kind, where, value, CSV.length));
  }

  private static void readsRowsOrNamesTheFile(String name, byte[] bytes) {
    Path f = Mutations.write(name, bytes);
    String uri = new org.apache.hadoop.fs.Path(f.toUri()).toString();
    for (SourceFormat format : new SourceFormat[] {SourceFormat.AUTO, SourceFormat.JSONL, SourceFormat.JSON, SourceFormat.CSV}) {
      succeedsOrNamesTheFile(name, () -> {
        try (ReadResults r = new SourceReader("s", format, 1 << 10).read(CONF, new InputFile(uri, bytes.length))) {
          while (r.hasNext()) r.next();
        }
      });
    }
  }
}
