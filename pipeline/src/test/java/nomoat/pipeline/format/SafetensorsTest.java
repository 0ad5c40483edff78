package nomoat.pipeline.format;

import nomoat.pipeline.model.HalfFloats;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.NomoatException;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SafetensorsTest {
  static final Configuration CONF = new Configuration();

  static Map<String, INDArray> sample() {
    Nd4j.getRandom().setSeed(7);
    Map<String, INDArray> m = new TreeMap<>();
    m.put("a.weight", Nd4j.randn(DataType.FLOAT, 5, 3));
    m.put("b.bias", Nd4j.randn(DataType.FLOAT, 7));
    m.put("c.big", Nd4j.randn(DataType.FLOAT, 3, 400_000)); // > one 1M-element read chunk
    m.put("d.cube", Nd4j.randn(DataType.FLOAT, 2, 3, 4));
    return m;
  }

  static String uri(Path p) { return p.toUri().toString(); }

  @Test
  void f32RoundTripIsExact(@TempDir Path dir) throws IOException {
    Map<String, INDArray> in = sample();
    String f = uri(dir.resolve("x.safetensors"));
    Safetensors.write(CONF, f, in, Safetensors.Dtype.F32, Map.of("step", "12"));
    try (Safetensors.Reader r = Safetensors.open(CONF, f)) {
      assertEquals(Map.of("format", "pt", "step", "12"), r.metadata());
      assertEquals(in.keySet(), r.tensors().keySet());
      for (String k : in.keySet()) {
        assertArrayEquals(in.get(k).shape(), r.read(k).shape(), k);
        assertEquals(in.get(k), r.read(k), k);
      }
    }
    // header: u64 length, a multiple of 8, JSON padded with spaces
    byte[] bytes = Files.readAllBytes(dir.resolve("x.safetensors"));
    long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, n % 8);
    JsonNode h = new ObjectMapper().readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
    assertEquals("pt", h.get("__metadata__").get("format").asText());
    assertEquals("F32", h.get("a.weight").get("dtype").asText());
    assertEquals(8 + n + 4L * (15 + 7 + 1_200_000 + 24), bytes.length);
  }

  @Test
  void scalarAndEmptyTensorsRoundTrip(@TempDir Path dir) {
    Map<String, INDArray> in = new TreeMap<>();
    in.put("scalar", Nd4j.scalar(2.5f));
    in.put("empty", Nd4j.create(DataType.FLOAT, 0, 3));
    String f = uri(dir.resolve("edge.safetensors"));
    Safetensors.write(CONF, f, in, Safetensors.Dtype.BF16, null);
    try (Safetensors.Reader r = Safetensors.open(CONF, f)) {
      assertArrayEquals(new long[0], r.info("scalar").shape());
      assertEquals(2.5f, r.read("scalar").getFloat(0));
      assertArrayEquals(new long[] {0, 3}, r.info("empty").shape());
      assertEquals(0, r.read("empty").length());
    }
  }

  @Test
  void f16AndBf16RoundTripsRoundToNearestEven(@TempDir Path dir) {
    Map<String, INDArray> in = sample();
    for (Safetensors.Dtype dt : new Safetensors.Dtype[] {Safetensors.Dtype.F16, Safetensors.Dtype.BF16}) {
      String f = uri(dir.resolve(dt + ".safetensors"));
      Safetensors.write(CONF, f, in, dt, null);
      Map<String, INDArray> out = Safetensors.read(CONF, f);
      for (String k : in.keySet()) {
        float[] want = in.get(k).dup().data().asFloat(), got = out.get(k).data().asFloat();
        for (int i = 0; i < want.length; i++) {
          float r = dt == Safetensors.Dtype.F16 ? HalfFloats.halfToFloat(HalfFloats.floatToHalf(want[i]))
              : HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(want[i]));
          assertEquals(r, got[i], k + "[" + i + "]");
          assertEquals(want[i], got[i], Math.abs(want[i]) * (dt == Safetensors.Dtype.F16 ? 1e-3 : 8e-3) + 1e-7);
        }
      }
    }
  }

  @Test
  void bf16RoundingMatchesPytorch() {
    // torch.tensor([...]).to(torch.bfloat16): ties go to the even mantissa
    assertEquals(1.0f, bf(1f + 0x1p-8f)); // halfway between 1 and 1+2^-7: even is 1
    assertEquals(1f + 0x1p-6f, bf(1f + 3 * 0x1p-8f)); // halfway between 1+2^-7 and 1+2^-6: even is 1+2^-6
    assertEquals(1f + 0x1p-7f, bf(1f + 0x1p-8f + 0x1p-20f)); // just above halfway rounds up
    assertEquals(Float.POSITIVE_INFINITY, bf(Float.MAX_VALUE)); // rounds up past the largest bf16
    assertEquals(-0.0f, bf(-0.0f));
    assertTrue(Float.isNaN(bf(Float.NaN)));
    assertEquals(Float.NEGATIVE_INFINITY, bf(Float.NEGATIVE_INFINITY));
    assertEquals((short) 0x3f80, HalfFloats.floatToBf16(1f));
  }

  @Test
  void f16RoundingMatchesIeee() {
    assertEquals(1.0f, hf(1f + 0x1p-11f));
    assertEquals(1f + 0x1p-9f, hf(1f + 3 * 0x1p-11f));
    assertEquals(65504f, hf(65519f));
    assertEquals(Float.POSITIVE_INFINITY, hf(65520f));
    assertEquals(0x1p-24f, hf(0.75f * 0x1p-24f)); // subnormal rounding
    assertEquals(0f, hf(0x1p-25f)); // exactly half the smallest subnormal: ties to even (0)
    assertEquals(0x1p-24f, hf(0x1p-25f + 0x1p-40f));
    assertEquals(3 * 0x1p-24f + 0x1p-24f, hf(3.5f * 0x1p-24f)); // subnormal tie to even: 4 * 2^-24
    assertTrue(Float.isNaN(hf(Float.NaN)));
    // every finite half survives half -> float -> half
    for (int h = 0; h < 0x10000; h++) {
      float f = HalfFloats.halfToFloat((short) h);
      if (!Float.isNaN(f)) assertEquals((short) h, HalfFloats.floatToHalf(f), "half 0x" + Integer.toHexString(h));
    }
  }

  static float bf(float f) { return HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(f)); }

  static float hf(float f) { return HalfFloats.halfToFloat(HalfFloats.floatToHalf(f)); }

  // ---------------------------------------------------------------- hostile files

  static Path craft(Path dir, long headerLen, String header, int dataBytes) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(headerLen).put(h);
    Path p = dir.resolve("hostile.safetensors");
    Files.write(p, b.array());
    return p;
  }

  static Path craft(Path dir, String header, int dataBytes) throws IOException {
    return craft(dir, header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
  }

  static void assertRefused(Path p, String... fragments) {
    NomoatException e = assertThrows(NomoatException.class, () -> Safetensors.read(CONF, uri(p)));
    assertEquals(NomoatException.ExitCode.INPUT_DATA, e.exitCode());
    assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
  }

  @Test
  void hostileHeadersAreRefusedClearly(@TempDir Path dir) throws IOException {
    Files.write(dir.resolve("short.safetensors"), new byte[] {1, 2, 3});
    assertRefused(dir.resolve("short.safetensors"), "shorter than");
    assertRefused(craft(dir, Long.MAX_VALUE, "{}", 0), "header length");
    assertRefused(craft(dir, -1L, "{}", 0), "header length");
    assertRefused(craft(dir, 1L << 40, "{}", 0), "header length");
    assertRefused(craft(dir, 10, "{}", 0), "header length"); // longer than the file
    assertRefused(craft(dir, "{not json", 0), "not valid JSON");
    assertRefused(craft(dir, "[1, 2]", 0), "not a JSON object");
    assertRefused(craft(dir, "{\"__metadata__\": {\"a\": 1}}", 0), "__metadata__");
    assertRefused(craft(dir, "{\"t\": {}, \"t\": {}}", 0), "Duplicate field 't'");
    assertRefused(craft(dir, "[".repeat(5000) + "]".repeat(5000), 0), "not valid JSON");
  }

  @Test
  void hostileTensorEntriesAreRefusedClearly(@TempDir Path dir) throws IOException {
    assertRefused(craft(dir, "{\"t\": {\"dtype\": \"I64\", \"shape\": [2], \"data_offsets\": [0, 16]}}", 16), "'t'", "I64");
    assertRefused(craft(dir, "{\"t\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 8), "'t'", "outside");
    assertRefused(craft(dir, "{\"t\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 16]}}", 16), "'t'", "needs 12");
    assertRefused(craft(dir, "{\"t\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [8, 4]}}", 16), "'t'");
    assertRefused(craft(dir, "{\"t\": {\"dtype\": \"F32\", \"shape\": [-4], \"data_offsets\": [0, 16]}}", 16), "'t'", "dimension");
    assertRefused(craft(dir, "{\"t\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 4294967296], \"data_offsets\": [0, 16]}}", 16),
        "'t'", "overflows");
    assertRefused(craft(dir, "{\"t\": {\"dtype\": \"F32\", \"shape\": [1073741824, 1073741824], \"data_offsets\": [0, 16]}}", 16),
        "'t'");
    assertRefused(craft(dir, "{\"t\": {\"dtype\": \"F32\", \"shape\": [4]}}", 16), "'t'", "data_offsets");
    assertRefused(craft(dir, "{\"t\": {\"shape\": [4], \"data_offsets\": [0, 16]}}", 16), "'t'", "dtype");
    assertRefused(craft(dir, "{\"t\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]},"
        + " \"u\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}}", 16), "overlap");
  }

  @Test
  void aValidCraftedFileReads(@TempDir Path dir) throws IOException {
    String header = "{\"t\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 16]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + 16).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).putFloat(1f).putFloat(2f).putFloat(3f).putFloat(4f);
    Path p = dir.resolve("ok.safetensors");
    Files.write(p, b.array());
    assertEquals(Nd4j.createFromArray(new float[][] {{1, 2}, {3, 4}}), Safetensors.read(CONF, uri(p)).get("t"));
  }

  @Test
  void inMemoryEncodingIsBitExactForFloatAndDouble() {
    org.nd4j.linalg.api.ndarray.INDArray f = org.nd4j.linalg.factory.Nd4j.create(new float[] {1.5f, -0f, Float.MIN_VALUE, 3.4e38f}, new long[] {2, 2},
        org.nd4j.linalg.api.buffer.DataType.FLOAT);
    org.nd4j.linalg.api.ndarray.INDArray d = org.nd4j.linalg.factory.Nd4j.create(new double[] {Math.PI, -1e-300, 1e300}, new long[] {3},
        org.nd4j.linalg.api.buffer.DataType.DOUBLE);
    byte[] bytes = Safetensors.encode(java.util.Map.of("f", f, "d", d), java.util.Map.of("format", "test"));
    Safetensors.Contents c = Safetensors.decode(bytes, "blob");
    assertEquals(java.util.Map.of("format", "test"), c.metadata());
    assertArrayEquals(f.data().asFloat(), c.tensors().get("f").data().asFloat(), 0f);
    assertArrayEquals(d.data().asDouble(), c.tensors().get("d").data().asDouble(), 0d);
    assertEquals(org.nd4j.linalg.api.buffer.DataType.DOUBLE, c.tensors().get("d").dataType());
    byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 4);
    nomoat.pipeline.NomoatException e = assertThrows(nomoat.pipeline.NomoatException.class, () -> Safetensors.decode(cut, "blob"));
    assertTrue(e.getMessage().contains("blob"), e.getMessage());
  }

  @Test
  void hostArraysTravelAsF32WhereExactAndF64ElsewhereBitForBit() {
    double nanWithPayload = Double.longBitsToDouble(0x7ff8000000000123L);
    java.util.Map<String, double[]> values = new java.util.TreeMap<>(java.util.Map.of(
        "exact", new double[] {1.5, -0.0, 0.1f, Float.MIN_VALUE, Double.NEGATIVE_INFINITY, 3, 4},
        "wide", new double[] {0.1, 1.5},
        "nan", new double[] {nanWithPayload}));
    java.util.Map<String, long[]> shapes = java.util.Map.of("exact", new long[] {7}, "wide", new long[] {1, 2}, "nan", new long[] {1});
    byte[] bytes = Safetensors.encodeHost(values, shapes, java.util.Map.of("format", "test"));
    Safetensors.HostContents back = Safetensors.decodeHost(bytes, "blob");
    for (String k : values.keySet()) {
      double[] a = values.get(k), b = back.values().get(k);
      assertEquals(a.length, b.length);
      for (int i = 0; i < a.length; i++) assertEquals(Double.doubleToRawLongBits(a[i]), Double.doubleToRawLongBits(b[i]), k + "[" + i + "]");
      assertArrayEquals(shapes.get(k), back.shapes().get(k));
    }
    // the exact tensor as F32 (4 bytes a value), the others as F64; the in-memory decoder reads the same blob
    Safetensors.Contents c = Safetensors.decode(bytes, "blob");
    assertEquals(org.nd4j.linalg.api.buffer.DataType.FLOAT, c.tensors().get("exact").dataType());
    assertEquals(org.nd4j.linalg.api.buffer.DataType.DOUBLE, c.tensors().get("wide").dataType());
    assertEquals(org.nd4j.linalg.api.buffer.DataType.DOUBLE, c.tensors().get("nan").dataType());
    assertArrayEquals(new double[] {0.1, 1.5}, c.tensors().get("wide").data().asDouble(), 0);
    assertThrows(nomoat.pipeline.NomoatException.class, () -> Safetensors.decodeHost(java.util.Arrays.copyOf(bytes, bytes.length - 1), "blob"));
    nomoat.pipeline.NomoatException extra = assertThrows(nomoat.pipeline.NomoatException.class,
        () -> Safetensors.decodeHost(java.util.Arrays.copyOf(bytes, bytes.length + 3), "blob"));
    assertTrue(extra.getMessage().contains("3 bytes after the last tensor"), extra.getMessage());
  }

  @Test
  void hostStreamReadsExactlyItsBlobInChunksAcrossManyChunks() throws Exception {
    // 40,000 exact values (F32, 160 KB: several 64 KB chunks) and 20,000 inexact ones (F64), then bytes of whatever follows
    double[] exact = new double[40_000], wide = new double[20_000];
    java.util.SplittableRandom r = new java.util.SplittableRandom(7);
    for (int i = 0; i < exact.length; i++) exact[i] = (float) r.nextGaussian();
    for (int i = 0; i < wide.length; i++) wide[i] = r.nextGaussian();
    java.util.Map<String, double[]> values = java.util.Map.of("a", exact, "b", wide);
    java.util.Map<String, long[]> shapes = java.util.Map.of("a", new long[] {200, 200}, "b", new long[] {20_000});
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    Safetensors.writeHost(out, values, shapes, java.util.Map.of("k", "v"));
    out.write(new byte[] {42, 43});
    byte[] bytes = out.toByteArray();
    assertArrayEquals(Safetensors.encodeHost(values, shapes, java.util.Map.of("k", "v")), java.util.Arrays.copyOf(bytes, bytes.length - 2));
    java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(bytes);
    Safetensors.HostContents back = Safetensors.readHost(in, "stream");
    assertEquals(2, in.available(), "reads exactly the blob");
    assertArrayEquals(exact, back.values().get("a"), 0);
    assertArrayEquals(wide, back.values().get("b"), 0);
    assertArrayEquals(new long[] {200, 200}, back.shapes().get("a"));
    assertEquals(java.util.Map.of("k", "v"), back.metadata());
    nomoat.pipeline.NomoatException cut = assertThrows(nomoat.pipeline.NomoatException.class,
        () -> Safetensors.readHost(new java.io.ByteArrayInputStream(java.util.Arrays.copyOf(bytes, 100_000)), "stream"));
    assertTrue(cut.getMessage().contains("stream") && cut.getMessage().contains("ends before"), cut.getMessage());
  }

  @Test
  void inMemoryEncodingOfAViewEqualsThatOfItsCopy() {
    org.nd4j.linalg.api.ndarray.INDArray m = org.nd4j.linalg.factory.Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}});
    org.nd4j.linalg.api.ndarray.INDArray view = m.transpose();              // not C-ordered: encoded in C order all the same
    assertArrayEquals(Safetensors.encode(java.util.Map.of("t", view.dup('c')), java.util.Map.of()),
        Safetensors.encode(java.util.Map.of("t", view), java.util.Map.of()));
    assertEquals(view, Safetensors.decode(Safetensors.encode(java.util.Map.of("t", view), java.util.Map.of()), "blob").tensors().get("t"));
  }
}
