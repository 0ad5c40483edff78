package nomoat.pipeline.format;

import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.io.Storage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The GGUF container (llama.cpp, versions 2 and 3, little-endian): magic "GGUF", u32 version, u64 tensor
 * count, u64 metadata count, the metadata key/values, the tensor infos (name, dims innermost-first, ggml
 * type, offset), padding to `general.alignment`, then the tensor data. The only GGUF reader in nomoat.
 *
 * Every count and size is checked against the file length before anything is allocated, so a hostile file
 * fails with one clear message. Tensors are dequantized to FP32 INDArrays with the dims reversed into
 * row-major order (GGUF ne = [in, out] becomes [out, in]). Model meaning lives in {@link GgufLlama}.
 */
public final class Gguf {
  private Gguf() {}

  private static final int MAGIC = 0x46554747; // "GGUF" read as little-endian u32
  private static final int MAX_DIMS = 4;
  private static final int MAX_STRING_BYTES = 1 << 24;
  /** Largest metadata array accepted (vocabularies and merge lists are well under a million entries). */
  private static final long MAX_ARRAY_LENGTH = 1 << 22;

  /** ggml tensor types this reader dequantizes: id, elements per block, bytes per block. */
  public enum GgmlType {
    F32(0, 1, 4), F16(1, 1, 2), Q4_0(2, 32, 18), Q8_0(8, 32, 34), Q4_K(12, 256, 144), Q6_K(14, 256, 210), BF16(30, 1, 2);
    public final int id, blockElems, blockBytes;
    GgmlType(int id, int blockElems, int blockBytes) { this.id = id; this.blockElems = blockElems; this.blockBytes = blockBytes; }

    static GgmlType of(int id) {
      for (GgmlType t : values()) if (t.id == id) return t;
      return null;
    }
  }

  /**
   * One tensor as the file describes it.
   *
   * @param ne     dims innermost-first, as stored (ne[0] is the contiguous one)
   * @param offset absolute file offset of the data
   */
  public record TensorInfo(String name, long[] ne, GgmlType type, long offset, long nbytes) {
    public long numel() {
      long n = 1;
      for (long d : ne) n *= d;
      return n;
    }

    /** Row-major shape: ne reversed. */
    public long[] shape() {
      long[] s = new long[ne.length];
      for (int i = 0; i < ne.length; i++) s[i] = ne[ne.length - 1 - i];
      return s;
    }
  }

  /** An open, validated GGUF file. Metadata values are Long (every integer type), Float (f32), Double (f64),
   * Boolean, String, or a List of those. */
  public static final class Reader implements Closeable {
    private final Path path;
    private final FSDataInputStream in;
    private final java.io.File local;       // the file when it is on the local file system (mapped), else null
    private final int version;
    private final long alignment;
    private final Map<String, Object> metadata;
    private final Map<String, TensorInfo> tensors;

    private Reader(Path path, FSDataInputStream in, java.io.File local, int version, long alignment, Map<String, Object> metadata,
                   Map<String, TensorInfo> tensors) {
      this.path = path;
      this.in = in;
      this.local = local;
      this.version = version;
      this.alignment = alignment;
      this.metadata = Collections.unmodifiableMap(metadata);
      this.tensors = Collections.unmodifiableMap(tensors);
    }

    public Path path() { return path; }
    public int version() { return version; }
    public long alignment() { return alignment; }
    public Map<String, Object> metadata() { return metadata; }

    /** Tensor infos in file order. */
    public Map<String, TensorInfo> tensors() { return tensors; }

    public boolean has(String key) { return metadata.containsKey(key); }

    public TensorInfo info(String name) {
      TensorInfo t = tensors.get(name);
      if (t == null) throw NomoatException.inputData("GGUF file " + path + " has no tensor '" + name + "'");
      return t;
    }

    public String string(String key) { return typed(key, String.class); }

    public long integer(String key) {
      Object v = required(key);
      if (v instanceof Long) return (Long) v;
      throw wrongType(key, v, "an integer");
    }

    public double number(String key) {
      Object v = required(key);
      if (v instanceof Float) return Double.parseDouble(Float.toString((Float) v)); // 1e-5f -> 1e-5, not 9.99999974e-6
      if (v instanceof Number) return ((Number) v).doubleValue();
      throw wrongType(key, v, "a number");
    }

    public boolean bool(String key) { return typed(key, Boolean.class); }

    public List<?> array(String key) { return typed(key, List.class); }

    public Object required(String key) {
      Object v = metadata.get(key);
      if (v == null) throw NomoatException.inputData("GGUF file " + path + " lacks metadata key '" + key + "'");
      return v;
    }

    private <T> T typed(String key, Class<T> type) {
      Object v = required(key);
      if (!type.isInstance(v)) throw wrongType(key, v, "a " + type.getSimpleName());
      return type.cast(v);
    }

    private NomoatException wrongType(String key, Object v, String want) {
      return NomoatException.inputData("GGUF file " + path + ": metadata key '" + key + "' is " + v.getClass().getSimpleName()
          + ", expected " + want);
    }

    /** The raw stored bytes of a tensor (tests; at most 2 GB). */
    public byte[] rawBytes(String name) {
      TensorInfo t = info(name);
      if (t.nbytes() > Integer.MAX_VALUE - 8) throw NomoatException.inputData("tensor '" + name + "' in " + path + " is too large to copy");
      byte[] b = new byte[(int) t.nbytes()];
      Storage.readFully(in, path, t.offset(), b, b.length);
      return b;
    }

    /** Whether two tensors have the same type, dims and stored bytes (read a chunk at a time, stopping at the first difference). */
    public boolean sameData(String a, String b) {
      TensorInfo x = info(a), y = info(b);
      if (x.type() != y.type() || !Arrays.equals(x.ne(), y.ne())) return false;
      byte[] bx = new byte[1 << 20], by = new byte[1 << 20];
      for (long done = 0; done < x.nbytes(); ) {
        int n = (int) Math.min(bx.length, x.nbytes() - done);
        Storage.readFully(in, path, x.offset() + done, bx, n);
        Storage.readFully(in, path, y.offset() + done, by, n);
        if (!Arrays.equals(bx, 0, n, by, 0, n)) return false;
        done += n;
      }
      return true;
    }

    /** The tensor's stored bytes in a new off-heap little-endian buffer, read a chunk at a time (at most 2 GB). */
    public ByteBuffer readRaw(String name) {
      TensorInfo t = info(name);
      ByteBuffer out = nomoat.pipeline.model.FrozenMatrix.allocate(t.nbytes());
      byte[] chunk = new byte[(int) Math.min(t.nbytes(), 1 << 22)];
      for (long done = 0; done < t.nbytes(); ) {
        int n = (int) Math.min(chunk.length, t.nbytes() - done);
        Storage.readFully(in, path, t.offset() + done, chunk, n);
        out.put((int) done, chunk, 0, n);
        done += n;
      }
      return out;
    }

    /**
     * The tensor's stored bytes as the engine keeps them: a read-only mapping of the file when it is local (JVMs on one
     * node share the page cache; nothing is copied, and the mapping stays valid after close), else {@link #readRaw}.
     */
    public ByteBuffer storedData(String name) {
      TensorInfo t = info(name);
      if (local == null || t.nbytes() > Integer.MAX_VALUE) return readRaw(name);
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(local.toPath(), java.nio.file.StandardOpenOption.READ)) {
        return ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, t.offset(), t.nbytes()).order(ByteOrder.LITTLE_ENDIAN);
      } catch (java.io.IOException e) {
        throw NomoatException.io("cannot map " + path + ": " + e.getMessage(), e);
      }
    }

    /** The tensor dequantized to FP32, row-major shape (ne reversed). */
    public INDArray read(String name) {
      TensorInfo t = info(name);
      INDArray out = FloatTensors.allocate(t.shape());
      long blocks = t.numel() / t.type().blockElems;
      int blocksPerChunk = (int) Math.max(1, Math.min(blocks, (1 << 20) / t.type().blockElems));
      byte[] raw = new byte[blocksPerChunk * t.type().blockBytes];
      float[] vals = new float[blocksPerChunk * t.type().blockElems];
      for (long b = 0; b < blocks; ) {
        int nb = (int) Math.min(blocksPerChunk, blocks - b);
        Storage.readFully(in, path, t.offset() + b * t.type().blockBytes, raw, nb * t.type().blockBytes);
        GgmlBlocks.dequantize(t.type(), raw, nb, vals);
        FloatTensors.put(out, b * t.type().blockElems, vals, nb * t.type().blockElems);
        b += nb;
      }
      return out;
    }

    @Override
    public void close() {
      Storage.closeQuietly(in);
    }
  }

  public static Reader open(Configuration conf, String uri) {
    Path path = new Path(uri);
    long fileLen = Storage.length(conf, path);
    FSDataInputStream in = Storage.open(conf, path);
    try {
      Cursor c = new Cursor(path, in, fileLen);
      if (fileLen < 24) throw c.bad("file is " + fileLen + " bytes, too short for a GGUF header");
      int magic = c.i32();
      if (magic != MAGIC) throw c.bad("not a GGUF file (magic " + String.format("0x%08x", magic) + ")");
      int version = c.i32();
      if (version != 2 && version != 3)
        throw c.bad("GGUF version " + version + " is not supported (2 and 3 are; big-endian files are not)");
      long nTensors = c.u64("tensor count");
      long nKv = c.u64("metadata count");
      // every KV takes >= 8+4+1 bytes, every tensor info >= 8+4+8+4+8: bound the counts by the file size
      if (nKv > fileLen / 13) throw c.bad("metadata count " + Long.toUnsignedString(nKv) + " cannot fit in " + fileLen + " bytes");
      if (nTensors > fileLen / 32) throw c.bad("tensor count " + Long.toUnsignedString(nTensors) + " cannot fit in " + fileLen + " bytes");

      Map<String, Object> metadata = new LinkedHashMap<>();
      for (long i = 0; i < nKv; i++) {
        String key = c.string("metadata key #" + i);
        int type = c.i32();
        if (metadata.containsKey(key)) throw c.bad("duplicate metadata key '" + key + "'");
        metadata.put(key, c.value(type, key));
      }
      long alignment = 32;
      Object a = metadata.get("general.alignment");
      if (a != null) {
        if (!(a instanceof Long) || (Long) a <= 0 || (Long) a > (1 << 16) || Long.bitCount((Long) a) != 1)
          throw c.bad("general.alignment " + a + " is not a power of two");
        alignment = (Long) a;
      }

      List<long[]> raw = new ArrayList<>();
      List<String> names = new ArrayList<>();
      List<GgmlType> types = new ArrayList<>();
      for (long i = 0; i < nTensors; i++) {
        String name = c.string("tensor name #" + i);
        int nDims = c.i32();
        if (nDims < 1 || nDims > MAX_DIMS) throw c.bad("tensor '" + name + "' has " + nDims + " dims (1.." + MAX_DIMS + " allowed)");
        long[] ne = new long[nDims];
        for (int d = 0; d < nDims; d++) {
          ne[d] = c.i64();
          if (ne[d] <= 0 || ne[d] > fileLen * 32) throw c.bad("tensor '" + name + "' has invalid dimension " + ne[d]);
        }
        int typeId = c.i32();
        GgmlType type = GgmlType.of(typeId);
        if (type == null)
          throw c.bad("tensor '" + name + "' has ggml type " + typeId + "; supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K");
        long offset = c.i64();
        names.add(name);
        types.add(type);
        long[] r = Arrays.copyOf(ne, nDims + 1);
        r[nDims] = offset;
        raw.add(r);
      }
      long dataStart = (c.pos + alignment - 1) / alignment * alignment;
      if (dataStart > fileLen) throw c.bad("data section starts past the end of the file");
      long dataLen = fileLen - dataStart;

      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      for (int i = 0; i < names.size(); i++) {
        String name = names.get(i);
        long[] r = raw.get(i);
        long[] ne = Arrays.copyOf(r, r.length - 1);
        long rel = r[r.length - 1];
        GgmlType type = types.get(i);
        long numel = 1;
        try {
          for (long d : ne) numel = Math.multiplyExact(numel, d);
        } catch (ArithmeticException e) {
          throw c.bad("tensor '" + name + "' dims " + Arrays.toString(ne) + " overflow");
        }
        if (numel > Integer.MAX_VALUE - 8L) throw c.bad("tensor '" + name + "' has " + numel + " elements; at most 2^31 are supported");
        if (ne[0] % type.blockElems != 0)
          throw c.bad("tensor '" + name + "' row length " + ne[0] + " is not a multiple of the " + type + " block size " + type.blockElems);
        long nbytes = numel / type.blockElems * type.blockBytes;
        if (rel < 0 || rel % alignment != 0 || rel > dataLen || nbytes > dataLen - rel)
          throw c.bad("tensor '" + name + "' data [" + rel + ", +" + nbytes + ") lies outside the " + dataLen + "-byte data section or is misaligned");
        if (tensors.containsKey(name)) throw c.bad("duplicate tensor '" + name + "'");
        tensors.put(name, new TensorInfo(name, ne, type, dataStart + rel, nbytes));
      }
      List<TensorInfo> byOffset = new ArrayList<>(tensors.values());
      byOffset.sort(Comparator.comparingLong(TensorInfo::offset));
      for (int i = 1; i < byOffset.size(); i++)
        if (byOffset.get(i).offset() < byOffset.get(i - 1).offset() + byOffset.get(i - 1).nbytes())
          throw c.bad("tensors '" + byOffset.get(i - 1).name() + "' and '" + byOffset.get(i).name() + "' overlap");
      return new Reader(path, in, Storage.localFile(conf, path), version, alignment, metadata, tensors);
    } catch (RuntimeException e) {
      Storage.closeQuietly(in);
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------------------------- writing

  /** A tensor to write: its row-major shape (the file stores ne = shape reversed) and ggml type. */
  public record TensorSpec(String name, long[] shape, GgmlType type) {
    public long numel() {
      long n = 1;
      for (long d : shape) n *= d;
      return n;
    }

    public long nbytes() { return numel() / type.blockElems * type.blockBytes; }
  }

  /**
   * Creates a GGUF v3 file: the header (metadata, tensor infos, padding to general.alignment, 32 unless the metadata
   * sets it) is written at once; the tensors' data then follow through {@link Writer#write}, in the order given, so a
   * file of any size streams through a small buffer. Metadata values: String, Boolean, Float (f32), Double (f64),
   * Integer (i32), Long (u32 when it fits, else i64), or a List of one of those (an array) — what {@link Reader}
   * returns reads back the same.
   */
  public static Writer create(Configuration conf, String uri, Map<String, Object> metadata, List<TensorSpec> tensors) {
    long alignment = metadata.get("general.alignment") instanceof Number a ? a.longValue() : 32;
    if (alignment <= 0 || Long.bitCount(alignment) != 1) throw new IllegalArgumentException("general.alignment " + alignment + " is not a power of two");
    HeaderOut h = new HeaderOut();
    h.i32(MAGIC);
    h.i32(3);
    h.i64(tensors.size());
    h.i64(metadata.size());
    for (Map.Entry<String, Object> e : metadata.entrySet()) {
      h.string(e.getKey());
      h.value(e.getKey(), e.getValue(), true);
    }
    long offset = 0;
    java.util.Set<String> names = new java.util.HashSet<>();
    for (TensorSpec t : tensors) {
      if (!names.add(t.name())) throw new IllegalArgumentException("duplicate tensor '" + t.name() + "'");
      if (t.shape().length < 1 || t.shape().length > MAX_DIMS || t.shape()[t.shape().length - 1] % t.type().blockElems != 0)
        throw new IllegalArgumentException("tensor '" + t.name() + "' shape " + Arrays.toString(t.shape()) + " cannot be stored as " + t.type());
      h.string(t.name());
      h.i32(t.shape().length);
      for (int d = t.shape().length - 1; d >= 0; d--) h.i64(t.shape()[d]);
      h.i32(t.type().id);
      h.i64(offset);
      offset += padded(t.nbytes(), alignment);
    }
    byte[] header = h.bytes();
    Path path = new Path(uri);
    java.io.OutputStream out = new java.io.BufferedOutputStream(Storage.create(conf, path), 1 << 20);
    Writer w = new Writer(conf, path, out, List.copyOf(tensors), alignment);
    w.raw(header, 0, header.length);
    w.raw(new byte[(int) (padded(header.length, alignment) - header.length)], 0, (int) (padded(header.length, alignment) - header.length));
    return w;
  }

  private static long padded(long n, long alignment) { return (n + alignment - 1) / alignment * alignment; }

  /** Tensor data of a file being written by {@link #create}: each tensor's bytes in full, in the declared order. */
  public static final class Writer implements Closeable {
    private final Configuration conf;
    private final Path path;
    private final java.io.OutputStream out;
    private final List<TensorSpec> tensors;
    private final long alignment;
    private int current = 0;
    private long done = 0;     // bytes of the current tensor written
    private boolean closed = false;

    private Writer(Configuration conf, Path path, java.io.OutputStream out, List<TensorSpec> tensors, long alignment) {
      this.conf = conf;
      this.path = path;
      this.out = out;
      this.tensors = tensors;
      this.alignment = alignment;
    }

    /** The next len bytes of tensor name, which must be the one being written (the previous ones complete). */
    public void write(String name, byte[] b, int off, int len) {
      if (current >= tensors.size()) throw new IllegalStateException("every tensor of " + path + " is written; got more bytes for '" + name + "'");
      TensorSpec t = tensors.get(current);
      if (!t.name().equals(name)) throw new IllegalStateException("tensor '" + t.name() + "' of " + path + " is being written, not '" + name + "'");
      if (done + len > t.nbytes()) throw new IllegalStateException("tensor '" + name + "' takes " + t.nbytes() + " bytes; got " + (done + len));
      raw(b, off, len);
      done += len;
      if (done == t.nbytes()) {
        int pad = (int) (padded(done, alignment) - done);
        raw(new byte[pad], 0, pad);
        current++;
        done = 0;
      }
    }

    private void raw(byte[] b, int off, int len) {
      try {
        out.write(b, off, len);
      } catch (java.io.IOException e) {
        throw NomoatException.io("cannot write " + path + ": " + e.getMessage(), e);
      }
    }

    /** Finishes the file; one with tensors left unwritten is deleted and refused. */
    @Override
    public void close() {
      if (closed) return;
      closed = true;
      try {
        out.close();
      } catch (java.io.IOException e) {
        throw NomoatException.io("cannot write " + path + ": " + e.getMessage(), e);
      }
      if (current < tensors.size()) {
        try {
          Storage.rawFileSystem(conf, path).delete(path, false);
        } catch (java.io.IOException ignored) {
          // the message below names the file
        }
        throw new IllegalStateException("GGUF file " + path + " was closed before tensor '" + tensors.get(current).name() + "' was written; deleted");
      }
    }
  }

  /** The header in memory (metadata and tensor infos: a vocabulary's worth, not tensor data). */
  private static final class HeaderOut {
    private final java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    private final ByteBuffer le = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

    byte[] bytes() { return b.toByteArray(); }

    void i32(int v) { le.clear(); le.putInt(v); b.write(le.array(), 0, 4); }

    void i64(long v) { le.clear(); le.putLong(v); b.write(le.array(), 0, 8); }

    void string(String s) {
      byte[] u = s.getBytes(StandardCharsets.UTF_8);
      i64(u.length);
      b.write(u, 0, u.length);
    }

    /** GGUF value type of v (arrays: 9). */
    static int type(String key, Object v) {
      if (v instanceof String) return 8;
      if (v instanceof Boolean) return 7;
      if (v instanceof Float) return 6;
      if (v instanceof Double) return 12;
      if (v instanceof Integer) return 5;
      if (v instanceof Long l) return l >= 0 && l <= 0xffffffffL ? 4 : 11;
      if (v instanceof List) return 9;
      throw new IllegalArgumentException("metadata key '" + key + "' has a value of type " + (v == null ? "null" : v.getClass().getSimpleName()));
    }

    void value(String key, Object v, boolean typed) {
      int type = type(key, v);
      if (typed) i32(type);
      switch (type) {
        case 8 -> string((String) v);
        case 7 -> b.write((Boolean) v ? 1 : 0);
        case 6 -> { le.clear(); le.putFloat((Float) v); b.write(le.array(), 0, 4); }
        case 12 -> { le.clear(); le.putDouble((Double) v); b.write(le.array(), 0, 8); }
        case 5 -> i32((Integer) v);
        case 4 -> i32((int) (long) (Long) v);
        case 11 -> i64((Long) v);
        default -> {
          List<?> list = (List<?>) v;
          int elem = list.isEmpty() ? 4 : type(key, list.get(0));
          for (Object o : list) {
            int t = type(key, o);
            if (t == 11 && elem == 4) elem = 11;             // longs: i64 as soon as one needs it
            else if (t != elem && !(t == 4 && elem == 11))
              throw new IllegalArgumentException("metadata array '" + key + "' mixes value types");
          }
          if (elem == 9) throw new IllegalArgumentException("metadata array '" + key + "' holds arrays");
          i32(elem);
          i64(list.size());
          for (Object o : list) {
            if (elem == 11) i64(((Long) o));
            else value(key, o, false);
          }
        }
      }
    }
  }

  /** Sequential little-endian reads over the header with bounds checks against the file length. */
  private static final class Cursor {
    private final Path path;
    private final FSDataInputStream in;
    private final long fileLen;
    private final byte[] buf = new byte[1 << 16];
    private long bufStart = 0;
    private int bufLen = 0;
    long pos = 0;

    Cursor(Path path, FSDataInputStream in, long fileLen) {
      this.path = path;
      this.in = in;
      this.fileLen = fileLen;
    }

    /** One line: names and keys read from a damaged file may hold control characters, so they are escaped. */
    NomoatException bad(String what) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < what.length() && b.length() < 500; i++) {
        char ch = what.charAt(i);
        if (Character.isISOControl(ch) || ch == '\u2028' || ch == '\u2029') b.append(String.format("\\u%04x", (int) ch));
        else b.append(ch);
      }
      if (b.length() >= 500) b.append("...");
      return NomoatException.inputData("invalid GGUF file " + path + ": " + b);
    }

    private void need(long n, String what) {
      if (n < 0 || pos + n > fileLen) throw bad("truncated while reading " + what + " at offset " + pos);
    }

    private byte[] bytes(int n, String what) {
      need(n, what);
      byte[] out = new byte[n];
      int done = 0;
      while (done < n) {
        if (pos < bufStart || pos >= bufStart + bufLen) {
          bufStart = pos;
          bufLen = (int) Math.min(buf.length, fileLen - pos);
          Storage.readFully(in, path, bufStart, buf, bufLen);
        }
        int off = (int) (pos - bufStart);
        int k = Math.min(n - done, bufLen - off);
        System.arraycopy(buf, off, out, done, k);
        done += k;
        pos += k;
      }
      return out;
    }

    private ByteBuffer le(int n, String what) {
      return ByteBuffer.wrap(bytes(n, what)).order(ByteOrder.LITTLE_ENDIAN);
    }

    int i32() { return le(4, "a 32-bit value").getInt(); }

    long i64() { return le(8, "a 64-bit value").getLong(); }

    long u64(String what) {
      long v = le(8, what).getLong();
      if (v < 0) throw bad(what + " " + Long.toUnsignedString(v) + " is too large");
      return v;
    }

    String string(String what) {
      long len = u64("length of " + what);
      if (len > MAX_STRING_BYTES || len > fileLen - pos) throw bad("length " + len + " of " + what + " at offset " + pos + " is impossible");
      return new String(bytes((int) len, what), StandardCharsets.UTF_8);
    }

    /** Element size on disk, for bounding array counts (strings: at least their 8-byte length). */
    private static int minSize(int type) {
      switch (type) {
        case 0: case 1: case 7: return 1;
        case 2: case 3: return 2;
        case 4: case 5: case 6: return 4;
        case 8: case 10: case 11: case 12: return 8;
        case 9: return 12;
        default: return -1;
      }
    }

    Object value(int type, String key) {
      switch (type) {
        case 0: return (long) (bytes(1, key)[0] & 0xff);
        case 1: return (long) bytes(1, key)[0];
        case 2: return (long) (le(2, key).getShort() & 0xffff);
        case 3: return (long) le(2, key).getShort();
        case 4: return le(4, key).getInt() & 0xffffffffL;
        case 5: return (long) le(4, key).getInt();
        case 6: return le(4, key).getFloat();
        case 7: {
          byte v = bytes(1, key)[0];
          if (v != 0 && v != 1) throw bad("metadata key '" + key + "' has bool byte " + v);
          return v == 1;
        }
        case 8: return string("value of '" + key + "'");
        case 9: {
          int elemType = i32();
          long n = u64("array length of '" + key + "'");
          int min = minSize(elemType);
          if (min < 0) throw bad("metadata key '" + key + "' is an array of unknown type " + elemType);
          if (n > (fileLen - pos) / min) throw bad("array length " + n + " of '" + key + "' cannot fit in the file");
          if (n > MAX_ARRAY_LENGTH) throw bad("array length " + n + " of '" + key + "' exceeds the limit of " + MAX_ARRAY_LENGTH);
          List<Object> list = new ArrayList<>((int) n);
          for (long i = 0; i < n; i++) list.add(value(elemType, key));
          return Collections.unmodifiableList(list);
        }
        case 10: return u64(key);
        case 11: return le(8, key).getLong();
        case 12: return le(8, key).getDouble();
        default: throw bad("metadata key '" + key + "' has unknown value type " + type);
      }
    }
  }
}
