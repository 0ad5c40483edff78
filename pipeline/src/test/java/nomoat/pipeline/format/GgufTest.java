package nomoat.pipeline.format;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import nomoat.pipeline.NomoatException;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The GGUF container on crafted files: every value type, dequantization, and hostile headers. */
class GgufTest {
  static final Configuration CONF = new Configuration();

  /** Little-endian GGUF bytes, written field by field. */
  static final class Bytes {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Bytes u32(long v) { return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array()); }
    Bytes u64(long v) { return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array()); }
    Bytes f32(float v) { return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array()); }
    Bytes u16(int v) { return raw(new byte[] {(byte) v, (byte) (v >>> 8)}); }
    Bytes u8(int v) { return raw(new byte[] {(byte) v}); }

    Bytes str(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      return u64(b.length).raw(b);
    }

    Bytes raw(byte[] b) {
      out.write(b, 0, b.length);
      return this;
    }

    Bytes padTo(int alignment) {
      while (out.size() % alignment != 0) out.write(0);
      return this;
    }

    Bytes header(int version, long nTensors, long nKv) { return u32(0x46554747).u32(version).u64(nTensors).u64(nKv); }

    Bytes tensor(String name, long[] ne, int type, long offset) {
      str(name).u32(ne.length);
      for (long d : ne) u64(d);
      return u32(type).u64(offset);
    }

    Path save(Path dir, String name) throws IOException {
      Path p = dir.resolve(name);
      Files.write(p, out.toByteArray());
      return p;
    }
  }

  @Test
  void readsEveryValueTypeAndDequantizes(@TempDir Path dir) throws IOException {
    Bytes b = new Bytes().header(3, 3, 9);
    b.str("general.alignment").u32(4).u32(32);
    b.str("k.u8").u32(0).u8(200);
    b.str("k.i16").u32(3).u16(0xfffe);
    b.str("k.f32").u32(6).f32(1e-5f);
    b.str("k.bool").u32(7).u8(1);
    b.str("k.str").u32(8).str("héllo");
    b.str("k.arr").u32(9).u32(5).u64(3).u32(-1).u32(0).u32(7);
    b.str("k.strs").u32(9).u32(8).u64(2).str("a").str("▁b");
    b.str("k.i64").u32(11).u64(-5);
    // data: f16 [4] @0 (8 B), q8_0 [32, 2] @32 (68 B), q4_0 [32] @128 (18 B)
    b.tensor("f16", new long[] {4}, 1, 0);
    b.tensor("q8", new long[] {32, 2}, 8, 32);
    b.tensor("q4", new long[] {32}, 2, 128);
    b.padTo(32);
    int start = b.out.size();
    b.u16(0x3c00).u16(0xc000).u16(0x3800).u16(0x7bff); // 1, -2, 0.5, 65504
    b.padTo(32);
    for (int blk = 0; blk < 2; blk++) {
      b.u16(blk == 0 ? 0x3800 : 0x4000); // d = 0.5, then 2
      for (int j = 0; j < 32; j++) b.u8(j - 3);
    }
    while (b.out.size() < start + 128) b.out.write(0);
    b.u16(0x4000); // d = 2
    for (int j = 0; j < 16; j++) b.u8(j | ((15 - j) << 4));
    Path p = b.save(dir, "ok.gguf");

    try (Gguf.Reader r = Gguf.open(CONF, p.toUri().toString())) {
      assertEquals(3, r.version());
      assertEquals(32, r.alignment());
      assertEquals(200L, r.integer("k.u8"));
      assertEquals(-2L, r.integer("k.i16"));
      assertEquals(1e-5, r.number("k.f32"));
      assertTrue(r.bool("k.bool"));
      assertEquals("héllo", r.string("k.str"));
      assertEquals(List.of(-1L, 0L, 7L), r.array("k.arr"));
      assertEquals(List.of("a", "▁b"), r.array("k.strs"));
      assertEquals(-5L, r.integer("k.i64"));

      assertArrayEquals(new float[] {1, -2, 0.5f, 65504}, r.read("f16").data().asFloat());
      INDArray q8 = r.read("q8");
      assertArrayEquals(new long[] {2, 32}, q8.shape());
      for (int j = 0; j < 32; j++) {
        assertEquals(0.5f * (j - 3), q8.getFloat(0, j));
        assertEquals(2f * (j - 3), q8.getFloat(1, j));
      }
      INDArray q4 = r.read("q4");
      for (int j = 0; j < 16; j++) {
        assertEquals(2f * (j - 8), q4.getFloat(j));
        assertEquals(2f * (15 - j - 8), q4.getFloat(j + 16));
      }
      NomoatException e = assertThrows(NomoatException.class, () -> r.string("k.u8"));
      assertTrue(e.getMessage().contains("k.u8"), e.getMessage());
      assertTrue(assertThrows(NomoatException.class, () -> r.integer("missing")).getMessage().contains("'missing'"));
    }
  }

  /** K-quant blocks of random bytes, decoded here element by element (a different walk than the reader's loops). */
  @Test
  void kQuantsDequantizeElementByElement() {
    java.util.Random rnd = new java.util.Random(5);
    byte[] q4k = new byte[2 * 144], q6k = new byte[2 * 210];
    rnd.nextBytes(q4k);
    rnd.nextBytes(q6k);
    for (int blk = 0; blk < 2; blk++) { // keep the f16 scales finite: 0.25 / 0.125 and 0.0625
      q4k[blk * 144] = 0x00; q4k[blk * 144 + 1] = 0x34; q4k[blk * 144 + 2] = 0x00; q4k[blk * 144 + 3] = 0x30;
      q6k[blk * 210 + 208] = 0x00; q6k[blk * 210 + 209] = 0x2c;
    }
    float[] got4 = new float[512], got6 = new float[512];
    GgmlBlocks.dequantize(Gguf.GgmlType.Q4_K, q4k, 2, got4);
    GgmlBlocks.dequantize(Gguf.GgmlType.Q6_K, q6k, 2, got6);
    for (int e = 0; e < 512; e++) {
      int blk = e / 256, x = e % 256, base4 = blk * 144, base6 = blk * 210;
      // Q4_K: element x is nibble (x % 64 >= 32 ? high : low) of qs[32*(x/64) + x%32], sub-block 2*(x/64) + (x%64)/32
      int sub = 2 * (x / 64) + (x % 64) / 32;
      int qb = q4k[base4 + 16 + 32 * (x / 64) + x % 32] & 0xff;
      int nib = (x % 64) >= 32 ? qb >> 4 : qb & 15;
      int[] sm = scaleMin(q4k, base4 + 4, sub);
      assertEquals(0.25f * sm[0] * nib - 0.125f * sm[1], got4[e], 0f, "q4_K " + e);
      // Q6_K: half n, quadrant k (x%128/32), lane l; low 4 bits from ql[64n + l + 32*(k odd)], nibble k>=2; bits from qh[32n+l] >> 2k
      int n = x / 128, k = (x % 128) / 32, l = x % 32;
      int lb = q6k[base6 + 64 * n + l + (k % 2) * 32] & 0xff;
      int low = k >= 2 ? lb >> 4 : lb & 15;
      int high = ((q6k[base6 + 128 + 32 * n + l] & 0xff) >> (2 * k)) & 3;
      int scale = q6k[base6 + 192 + 8 * n + l / 16 + 2 * k];
      assertEquals(0.0625f * scale * ((low | high << 4) - 32), got6[e], 0f, "q6_K " + e);
    }
  }

  /** ggml's 12-byte packing of eight 6-bit (scale, min) pairs. */
  static int[] scaleMin(byte[] b, int s, int j) {
    int[] u = new int[12];
    for (int i = 0; i < 12; i++) u[i] = b[s + i] & 0xff;
    if (j < 4) return new int[] {u[j] & 63, u[j + 4] & 63};
    return new int[] {(u[j + 4] & 15) | ((u[j - 4] >> 6) << 4), (u[j + 4] >> 4) | ((u[j] >> 6) << 4)};
  }

  static void assertRefused(Path p, String fragment) {
    NomoatException e = assertThrows(NomoatException.class, () -> Gguf.open(CONF, p.toUri().toString()).close());
    assertEquals(NomoatException.ExitCode.INPUT_DATA, e.exitCode());
    assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' not in: " + e.getMessage());
  }

  static Bytes oneTensor(long[] ne, int type, long offset) {
    Bytes b = new Bytes().header(3, 1, 0).tensor("w", ne, type, offset).padTo(32);
    return b.raw(new byte[64]);
  }

  @Test
  void hostileFilesAreRefusedClearly(@TempDir Path dir) throws IOException {
    assertRefused(new Bytes().raw("GGML".getBytes()).u32(3).u64(0).u64(0).save(dir, "a.gguf"), "not a GGUF file");
    assertRefused(new Bytes().header(1, 0, 0).save(dir, "b.gguf"), "version 1");
    assertRefused(new Bytes().header(3, 1L << 62, 0).save(dir, "c.gguf"), "tensor count");
    assertRefused(new Bytes().header(3, 0, -1L).save(dir, "d.gguf"), "metadata count");
    assertRefused(new Bytes().header(3, 0, 1).u64(1L << 40).raw(new byte[16]).save(dir, "e.gguf"), "length");
    assertRefused(new Bytes().header(3, 0, 1).str("k").u32(9).u32(5).u64(1L << 40).raw(new byte[16]).save(dir, "f.gguf"),
        "array length");
    assertRefused(new Bytes().header(3, 0, 1).str("k").u32(99).raw(new byte[16]).save(dir, "g.gguf"), "unknown value type");
    assertRefused(new Bytes().header(3, 0, 2).str("k").u32(7).u8(1).str("k").u32(7).u8(1).raw(new byte[16]).save(dir, "h.gguf"),
        "duplicate metadata key 'k'");
    assertRefused(new Bytes().header(3, 0, 1).str("k").u32(8).u64(100).raw(new byte[10]).save(dir, "i.gguf"), "length");
    assertRefused(oneTensor(new long[] {2, 2, 2, 2, 2}, 0, 0).save(dir, "j.gguf"), "'w' has 5 dims");
    assertRefused(oneTensor(new long[] {0}, 0, 0).save(dir, "k.gguf"), "'w' has invalid dimension");
    assertRefused(oneTensor(new long[] {256}, 13, 0).save(dir, "l.gguf"), "'w' has ggml type 13");
    assertRefused(oneTensor(new long[] {1L << 20, 1L << 20}, 0, 0).save(dir, "m.gguf"), "'w'");
    assertRefused(oneTensor(new long[] {8}, 0, 64).save(dir, "n.gguf"), "'w' data");
    assertRefused(oneTensor(new long[] {8}, 0, 4).save(dir, "o.gguf"), "misaligned");
    assertRefused(oneTensor(new long[] {33}, 8, 0).save(dir, "p.gguf"), "block size");
    assertRefused(new Bytes().header(3, 2, 0).tensor("w", new long[] {16}, 0, 0).tensor("v", new long[] {8}, 0, 32).padTo(32)
        .raw(new byte[96]).save(dir, "q.gguf"), "overlap");
    assertRefused(new Bytes().header(3, 0, 1).str("general.alignment").u32(4).u32(3).raw(new byte[16]).save(dir, "r.gguf"),
        "general.alignment");
  }
}
