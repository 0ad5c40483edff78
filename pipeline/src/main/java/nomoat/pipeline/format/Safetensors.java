package nomoat.pipeline.format;

import nomoat.pipeline.model.FrozenMatrix;
import nomoat.pipeline.model.HalfFloats;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.io.Storage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The safetensors format (https://github.com/huggingface/safetensors): u64 little-endian header length N,
 * N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, then the
 * data section (offsets are relative to it). The only reader/writer of .safetensors files in nomoat.
 *
 * Reading validates the whole header before allocating any tensor, so a hostile file fails with one clear
 * message; tensors are read with positioned reads a chunk at a time and become FP32 INDArrays.
 */
public final class Safetensors {
  private Safetensors() {}

  /** Largest header accepted (the reference implementation's limit). */
  public static final long MAX_HEADER_BYTES = 100_000_000L;
  private static final int CHUNK_ELEMS = 1 << 20;
  private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  public enum Dtype {
    F32(4), F16(2), BF16(2), F64(8);
    public final int bytes;
    Dtype(int bytes) { this.bytes = bytes; }

    /** From a torch dtype name as in config.json ("float32", "float16", "bfloat16"). */
    public static Dtype fromTorch(String torchDtype) {
      switch (torchDtype == null ? "float32" : torchDtype) {
        case "float32": case "float": return F32;
        case "float16": case "half": return F16;
        case "bfloat16": return BF16;
        case "float64": case "double": return F64;
        default: throw NomoatException.inputData("unsupported torch dtype '" + torchDtype + "' (supported: float32, float16, bfloat16)");
      }
    }

    public String torchName() { return this == F32 ? "float32" : this == F16 ? "float16" : this == F64 ? "float64" : "bfloat16"; }
  }

  /** One tensor's header entry; begin/end are relative to the data section. shape [d0, d1, ...] row-major. */
  public record TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end) {
    public long numel() {
      long n = 1;
      for (long d : shape) n *= d;
      return n;
    }
  }

  /** An open, validated file. Tensors are read on demand. */
  public static final class Reader implements Closeable {
    private final Path path;
    private final FSDataInputStream in;
    private final long dataStart;
    private final Map<String, String> metadata;
    private final Map<String, TensorInfo> tensors;
    private final java.io.File local;      // the file when it is on the local file system (else null)

    private Reader(Path path, FSDataInputStream in, long dataStart, Map<String, String> metadata, Map<String, TensorInfo> tensors,
                   java.io.File local) {
      this.path = path;
      this.local = local;
      this.in = in;
      this.dataStart = dataStart;
      this.metadata = Collections.unmodifiableMap(metadata);
      this.tensors = Collections.unmodifiableMap(tensors);
    }

    public Path path() { return path; }

    /** The header's "__metadata__" (empty when absent). */
    public Map<String, String> metadata() { return metadata; }

    /** Every tensor by name, in name order. */
    public Map<String, TensorInfo> tensors() { return tensors; }

    public TensorInfo info(String name) {
      TensorInfo t = tensors.get(name);
      if (t == null) throw NomoatException.inputData(path + " has no tensor '" + name + "'");
      return t;
    }

    /** The tensor converted to FP32, shape as stored. */
    public INDArray read(String name) {
      TensorInfo t = info(name);
      INDArray out = FloatTensors.allocate(t.shape());
      long numel = t.numel();
      int chunk = (int) Math.min(CHUNK_ELEMS, Math.max(1, numel));
      byte[] raw = new byte[chunk * t.dtype().bytes];
      float[] vals = new float[chunk];
      for (long done = 0; done < numel; ) {
        int n = (int) Math.min(chunk, numel - done);
        Storage.readFully(in, path, dataStart + t.begin() + done * t.dtype().bytes, raw, n * t.dtype().bytes);
        decode(t.dtype(), raw, vals, n);
        FloatTensors.put(out, done, vals, n);
        done += n;
      }
      return out;
    }

    /**
     * The tensor as the engine keeps a frozen weight: a BF16/F16 matrix stays 16-bit (memory-mapped when the file is
     * local, so JVMs on one node share the page cache; otherwise read straight into its off-heap buffer, with no FP32
     * copy); anything else is read as FP32.
     */
    public FrozenMatrix readStored(String name) {
      TensorInfo t = info(name);
      if (t.shape().length != 2 || (t.dtype() != Dtype.BF16 && t.dtype() != Dtype.F16)) return FrozenMatrix.dense(read(name));
      long start = dataStart + t.begin(), n = t.end() - t.begin();
      ByteBuffer data = local != null ? map(start, n) : null;
      if (data == null) {
        data = FrozenMatrix.allocate(n);
        byte[] chunk = new byte[(int) Math.min(n, CHUNK_ELEMS * 2L)];
        for (long done = 0; done < n; ) {
          int k = (int) Math.min(chunk.length, n - done);
          Storage.readFully(in, path, start + done, chunk, k);
          data.put((int) done, chunk, 0, k);
          done += k;
        }
      }
      long[] shape = t.shape();
      return t.dtype() == Dtype.BF16 ? FrozenMatrix.bfloat16(shape[0], shape[1], data) : FrozenMatrix.float16(shape[0], shape[1], data);
    }

    /** A read-only little-endian mapping of the file's bytes [start, start + n) (it stays valid after close). */
    private ByteBuffer map(long start, long n) {
      if (n > Integer.MAX_VALUE) return null;
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(local.toPath(), java.nio.file.StandardOpenOption.READ)) {
        return ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, start, n).order(ByteOrder.LITTLE_ENDIAN);
      } catch (IOException e) {
        throw NomoatException.io("cannot map " + path + ": " + e.getMessage(), e);
      }
    }

    /** Every tensor, FP32. */
    public Map<String, INDArray> readAll() {
      Map<String, INDArray> all = new TreeMap<>();
      for (String name : tensors.keySet()) all.put(name, read(name));
      return all;
    }

    @Override
    public void close() {
      Storage.closeQuietly(in);
    }
  }

  public static Reader open(Configuration conf, String uri) {
    return open(conf, new Path(uri));
  }

  public static Reader open(Configuration conf, Path path) {
    long fileLen = Storage.length(conf, path);
    FSDataInputStream in = Storage.open(conf, path);
    try {
      if (fileLen < 8) throw bad(path, "file is " + fileLen + " bytes, shorter than the 8-byte header length");
      byte[] lenBytes = new byte[8];
      Storage.readFully(in, path, 0, lenBytes, 8);
      long headerLen = ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > fileLen - 8)
        throw bad(path, "header length " + Long.toUnsignedString(headerLen) + " is impossible (file is " + fileLen
            + " bytes, limit " + MAX_HEADER_BYTES + ")");
      byte[] header = new byte[(int) headerLen];
      Storage.readFully(in, path, 8, header, header.length);
      long dataLen = fileLen - 8 - headerLen;
      Map<String, String> metadata = new LinkedHashMap<>();
      Map<String, TensorInfo> tensors = parseHeader(path, header, dataLen, metadata);
      return new Reader(path, in, 8 + headerLen, metadata, tensors, Storage.localFile(conf, path));
    } catch (RuntimeException e) {
      Storage.closeQuietly(in);
      throw e;
    }
  }

  /** Every tensor of a file, FP32. */
  public static Map<String, INDArray> read(Configuration conf, String uri) {
    try (Reader r = open(conf, uri)) {
      return r.readAll();
    }
  }

  private static Map<String, TensorInfo> parseHeader(Path path, byte[] header, long dataLen, Map<String, String> metadataOut) {
    JsonNode root;
    try {
      root = JSON.readTree(header);
    } catch (IOException e) {
      throw bad(path, "header is not valid JSON: " + e.getMessage().split("\n")[0]);
    }
    if (root == null || !root.isObject()) throw bad(path, "header is not a JSON object");
    Map<String, TensorInfo> tensors = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      JsonNode v = e.getValue();
      if (name.equals("__metadata__")) {
        if (!v.isObject()) throw bad(path, "__metadata__ is not an object");
        for (Iterator<Map.Entry<String, JsonNode>> m = v.fields(); m.hasNext(); ) {
          Map.Entry<String, JsonNode> kv = m.next();
          if (!kv.getValue().isTextual()) throw bad(path, "__metadata__ value '" + kv.getKey() + "' is not a string");
          metadataOut.put(kv.getKey(), kv.getValue().textValue());
        }
        continue;
      }
      tensors.put(name, parseTensor(path, name, v, dataLen));
    }
    // no two tensors may share bytes
    List<TensorInfo> byBegin = new ArrayList<>(tensors.values());
    byBegin.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    for (int i = 1; i < byBegin.size(); i++) {
      TensorInfo prev = byBegin.get(i - 1), cur = byBegin.get(i);
      if (cur.begin() < prev.end() && cur.end() > cur.begin())
        throw bad(path, "tensors '" + prev.name() + "' and '" + cur.name() + "' overlap in the data section");
    }
    return tensors;
  }

  private static TensorInfo parseTensor(Path path, String name, JsonNode v, long dataLen) {
    if (!v.isObject()) throw bad(path, "tensor '" + name + "' entry is not an object");
    JsonNode dt = v.get("dtype"), sh = v.get("shape"), off = v.get("data_offsets");
    if (dt == null || !dt.isTextual()) throw bad(path, "tensor '" + name + "' has no dtype");
    Dtype dtype;
    try {
      dtype = Dtype.valueOf(dt.textValue());
    } catch (IllegalArgumentException e) {
      throw bad(path, "tensor '" + name + "' has dtype " + dt.textValue() + "; supported: F32, F16, BF16, F64");
    }
    if (sh == null || !sh.isArray() || sh.size() > 8) throw bad(path, "tensor '" + name + "' has no valid shape");
    long[] shape = new long[sh.size()];
    long numel = 1;
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = sh.get(i);
      if (!d.canConvertToLong() || !d.isIntegralNumber() || d.longValue() < 0)
        throw bad(path, "tensor '" + name + "' has invalid dimension " + d);
      shape[i] = d.longValue();
      try {
        numel = Math.multiplyExact(numel, shape[i]);
      } catch (ArithmeticException ex) {
        throw bad(path, "tensor '" + name + "' shape " + sh + " overflows");
      }
    }
    if (numel > Integer.MAX_VALUE - 8L) throw bad(path, "tensor '" + name + "' has " + numel + " elements; at most 2^31 are supported");
    if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()
        || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong())
      throw bad(path, "tensor '" + name + "' has invalid data_offsets " + off);
    long begin = off.get(0).longValue(), end = off.get(1).longValue();
    if (begin < 0 || end < begin || end > dataLen)
      throw bad(path, "tensor '" + name + "' data_offsets [" + begin + ", " + end + "] fall outside the " + dataLen + "-byte data section");
    if (end - begin != numel * dtype.bytes)
      throw bad(path, "tensor '" + name + "' has " + (end - begin) + " bytes but shape " + Arrays.toString(shape) + " of "
          + dtype + " needs " + numel * dtype.bytes);
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  private static NomoatException bad(Path path, String what) {
    return NomoatException.inputData("invalid safetensors file " + path + ": " + what);
  }

  // ---------------------------------------------------------------- writing

  /** Bytes the tensors take in the data section at this dtype. */
  public static long dataBytes(INDArray t, Dtype dtype) {
    return t.length() * dtype.bytes;
  }

  /**
   * Writes tensors (any float dtype in memory) as one file at dtype; metadata gets "format": "pt" unless given.
   * Layout as the reference writer: header padded with spaces to a multiple of 8, tensors back to back.
   */
  public static void write(Configuration conf, String uri, Map<String, INDArray> tensors, Dtype dtype, Map<String, String> metadata) {
    Path path = new Path(uri);
    List<String> names = new ArrayList<>(new TreeMap<>(tensors).keySet());
    Map<String, String> md = new TreeMap<>(metadata == null ? Map.of() : metadata);
    md.putIfAbsent("format", "pt");
    byte[] head = header(path, names, tensors, name -> dtype, md);
    try (OutputStream out = new BufferedOutputStream(Storage.create(conf, path), 1 << 20)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(head.length).array());
      out.write(head);
      for (String name : names) writeData(out, tensors.get(name), dtype);
    } catch (IOException e) {
      throw NomoatException.io("cannot write " + path + ": " + e.getMessage(), e);
    }
  }

  /** The JSON header, padded with spaces to a multiple of 8 as the reference writer does; tensors back to back. */
  private static byte[] header(Path path, List<String> names, Map<String, INDArray> tensors,
                               java.util.function.Function<String, Dtype> dtypes, Map<String, String> metadata) {
    Map<String, long[]> shapes = new TreeMap<>();
    for (String name : names) shapes.put(name, tensors.get(name).shape());
    return header(path, names, dtypes, metadata, shapes);
  }

  private static byte[] header(Path path, List<String> names, java.util.function.Function<String, Dtype> dtypes,
                               Map<String, String> metadata, Map<String, long[]> shapes) {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      new TreeMap<>(metadata).forEach(meta::put);
    }
    long offset = 0;
    for (String name : names) {
      long[] dims = shapes.get(name);
      Dtype dtype = dtypes.apply(name);
      ObjectNode e = header.putObject(name);
      e.put("dtype", dtype.name());
      ArrayNode shape = e.putArray("shape");
      long numel = 1;
      for (long d : dims) {
        shape.add(d);
        numel *= d;
      }
      long n = numel * dtype.bytes;
      e.putArray("data_offsets").add(offset).add(offset + n);
      offset += n;
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(header);
    } catch (IOException e) {
      throw NomoatException.io("cannot encode safetensors header for " + path, e);
    }
    int padded = (json.length + 7) / 8 * 8;
    byte[] head = Arrays.copyOf(json, padded);
    Arrays.fill(head, json.length, padded, (byte) ' ');
    return head;
  }

  // ---------------------------------------------------------------- exact, in memory (trainer state)

  /** A whole safetensors blob decoded exactly: F32 tensors as FLOAT, F64 as DOUBLE, bit for bit. */
  public record Contents(Map<String, INDArray> tensors, Map<String, String> metadata) {}

  /**
   * Encodes FLOAT tensors as F32 and DOUBLE tensors as F64, bit-exactly, with the metadata as given: the form in which
   * optimiser state and gradient sums travel between JVMs and into checkpoints.
   */
  public static byte[] encode(Map<String, INDArray> tensors, Map<String, String> metadata) {
    Path what = new Path("in-memory.safetensors");
    List<String> names = new ArrayList<>(new TreeMap<>(tensors).keySet());
    byte[] head = header(what, names, tensors, name -> exactType(name, tensors.get(name)), metadata);
    long total = 8L + head.length;
    for (String name : names) total += dataBytes(tensors.get(name), exactType(name, tensors.get(name)));
    if (total > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensors of " + total + " bytes do not fit one byte[]");
    // one exact-size array, filled by bulk copies: this runs on every training step (adapter and gradient sums)
    ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(head.length).put(head);
    for (String name : names) {
      INDArray t = dense(tensors.get(name));
      int n = Math.toIntExact(t.length());
      if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {        // the buffer is the bytes: one copy, as decode
        int len = n * (t.dataType() == DataType.DOUBLE ? 8 : 4);
        if (n > 0) new org.bytedeco.javacpp.BytePointer(t.data().addressPointer()).get(out.array(), out.position(), len);
        out.position(out.position() + len);
      } else if (t.dataType() == DataType.DOUBLE) {
        double[] v = new double[n];
        new org.bytedeco.javacpp.DoublePointer(t.data().addressPointer()).get(v, 0, n);
        out.asDoubleBuffer().put(v);
        out.position(out.position() + 8 * n);
      } else {
        float[] v = new float[n];
        new org.bytedeco.javacpp.FloatPointer(t.data().addressPointer()).get(v, 0, n);
        out.asFloatBuffer().put(v);
        out.position(out.position() + 4 * n);
      }
    }
    return out.array();
  }

  /** The array itself when its buffer holds exactly its elements in C order, else a C-order copy. */
  private static INDArray dense(INDArray t) {
    boolean packed = !t.isView() && t.offset() == 0 && t.data().offset() == 0 && t.data().length() == t.length()
        && (t.ordering() == 'c' || t.rank() <= 1 || t.isVector());
    return packed ? t : t.dup('c');
  }

  /** Host tensors: C-order values widened to double, with their shapes and the blob's metadata. */
  public record HostContents(Map<String, double[]> values, Map<String, long[]> shapes, Map<String, String> metadata) {}

  /**
   * Encodes host arrays exactly, each tensor as F32 when every value is exactly a float (half the bytes: a worker's
   * gradient sums over one micro-batch are) and as F64 otherwise; no ND4J arrays on the way. Decoded by
   * {@link #decodeHost} (or {@link #decode}) bit for bit.
   */
  public static byte[] encodeHost(Map<String, double[]> values, Map<String, long[]> shapes, Map<String, String> metadata) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try {
      writeHost(out, values, shapes, metadata);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);                  // a ByteArrayOutputStream does not throw
    }
    return out.toByteArray();
  }

  /**
   * {@link #encodeHost}'s bytes written to a stream a chunk at a time, with no array of the blob's size: the form in which
   * gradient sums leave a task (an adapter's size per task and step, so whole-blob copies and the garbage they leave
   * show in the step time).
   */
  public static void writeHost(OutputStream out, Map<String, double[]> values, Map<String, long[]> shapes, Map<String, String> metadata)
      throws IOException {
    List<String> names = new ArrayList<>(new TreeMap<>(values).keySet());
    Map<String, Dtype> types = new TreeMap<>();
    for (String name : names) types.put(name, floatExact(values.get(name)) ? Dtype.F32 : Dtype.F64);
    byte[] head = header(new Path("in-memory.safetensors"), names, types::get, metadata, shapes);
    ByteBuffer chunk = ByteBuffer.allocate(HOST_CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    out.write(chunk.putLong(0, head.length).array(), 0, 8);
    out.write(head);
    float[] f = new float[HOST_CHUNK_BYTES / 4];
    for (String name : names) {
      double[] v = values.get(name);
      boolean f32 = types.get(name) == Dtype.F32;
      int per = HOST_CHUNK_BYTES / (f32 ? 4 : 8);
      for (int from = 0; from < v.length; from += per) {
        int n = Math.min(per, v.length - from);
        if (f32) {
          for (int i = 0; i < n; i++) f[i] = (float) v[from + i];
          chunk.clear().asFloatBuffer().put(f, 0, n);
          out.write(chunk.array(), 0, 4 * n);
        } else {
          chunk.clear().asDoubleBuffer().put(v, from, n);
          out.write(chunk.array(), 0, 8 * n);
        }
      }
    }
  }

  private static final int HOST_CHUNK_BYTES = 64 << 10;

  /** Whether every value is exactly a float (NaN is not: F64 keeps its payload bits). */
  private static boolean floatExact(double[] v) {
    for (double x : v) if ((float) x != x) return false;
    return true;
  }

  /** Decodes an F32/F64 safetensors blob into host arrays (F32 widened to double, exactly). */
  public static HostContents decodeHost(byte[] bytes, String what) {
    java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(bytes);
    HostContents c = readHost(in, what);
    if (in.available() > 0) throw bad(new Path(what), in.available() + " bytes after the last tensor");
    return c;
  }

  /**
   * Reads {@link #writeHost}'s blob (or any F32/F64 safetensors blob) from a stream, exactly as many bytes as its header
   * describes, a chunk at a time into the host arrays; the header is checked as a file's is before any array is made.
   */
  public static HostContents readHost(java.io.InputStream in, String what) {
    Path path = new Path(what);
    java.io.DataInputStream data = new java.io.DataInputStream(in);
    try {
      byte[] len = new byte[8];
      data.readFully(len);
      long headerLen = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) throw bad(path, "header length " + Long.toUnsignedString(headerLen) + " is impossible");
      byte[] head = new byte[(int) headerLen];
      data.readFully(head);
      Map<String, String> metadata = new LinkedHashMap<>();
      List<TensorInfo> infos = new ArrayList<>(parseHeader(path, head, Long.MAX_VALUE, metadata).values());
      infos.sort(Comparator.comparingLong(TensorInfo::begin));
      for (TensorInfo t : infos)
        if (t.dtype() != Dtype.F64 && t.dtype() != Dtype.F32)
          throw bad(path, "tensor '" + t.name() + "' is " + t.dtype() + "; exact decoding takes F32 or F64");
      Map<String, double[]> values = new TreeMap<>();
      Map<String, long[]> shapes = new TreeMap<>();
      byte[] raw = new byte[HOST_CHUNK_BYTES];
      ByteBuffer chunk = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
      float[] f = new float[HOST_CHUNK_BYTES / 4];
      long at = 0;
      for (TensorInfo t : infos) {
        data.skipNBytes(t.begin() - at);
        double[] v = new double[(int) t.numel()];
        boolean f32 = t.dtype() == Dtype.F32;
        int per = HOST_CHUNK_BYTES / (f32 ? 4 : 8);
        for (int from = 0; from < v.length; from += per) {
          int n = Math.min(per, v.length - from);
          data.readFully(raw, 0, n * (f32 ? 4 : 8));
          if (f32) {
            chunk.clear().asFloatBuffer().get(f, 0, n);
            for (int i = 0; i < n; i++) v[from + i] = f[i];
          } else {
            chunk.clear().asDoubleBuffer().get(v, from, n);
          }
        }
        at = t.end();
        values.put(t.name(), v);
        shapes.put(t.name(), t.shape().clone());
      }
      return new HostContents(values, shapes, metadata);
    } catch (java.io.EOFException e) {
      throw bad(path, "ends before the data its header describes");
    } catch (IOException e) {
      throw NomoatException.io("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  private static Map<String, TensorInfo> checkedHeader(Path path, byte[] bytes, Map<String, String> metadata) {
    if (bytes.length < 8) throw bad(path, bytes.length + " bytes, shorter than the 8-byte header length");
    long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > bytes.length - 8L)
      throw bad(path, "header length " + Long.toUnsignedString(headerLen) + " is impossible (" + bytes.length + " bytes)");
    return parseHeader(path, Arrays.copyOfRange(bytes, 8, 8 + (int) headerLen), bytes.length - 8L - headerLen, metadata);
  }

  /** Decodes {@link #encode}'s bytes (or any F32/F64 safetensors blob) exactly, after the same header checks as files. */
  public static Contents decode(byte[] bytes, String what) {
    Path path = new Path(what);
    Map<String, String> metadata = new LinkedHashMap<>();
    Map<String, TensorInfo> infos = checkedHeader(path, bytes, metadata);
    int dataStart = 8 + (int) ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    Map<String, INDArray> tensors = new TreeMap<>();
    for (TensorInfo t : infos.values()) {
      ByteBuffer buf = ByteBuffer.wrap(bytes, dataStart + (int) t.begin(), (int) (t.end() - t.begin())).order(ByteOrder.LITTLE_ENDIAN);
      int n = (int) t.numel();
      if (t.dtype() != Dtype.F64 && t.dtype() != Dtype.F32)
        throw bad(path, "tensor '" + t.name() + "' is " + t.dtype() + "; exact decoding takes F32 or F64");
      DataType type = t.dtype() == Dtype.F64 ? DataType.DOUBLE : DataType.FLOAT;
      INDArray a = Nd4j.createUninitialized(type, t.shape(), 'c');
      if (n > 0 && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {      // the bytes are the buffer: one copy
        new org.bytedeco.javacpp.BytePointer(a.data().addressPointer()).put(bytes, dataStart + (int) t.begin(), (int) (t.end() - t.begin()));
      } else if (type == DataType.DOUBLE) {
        double[] v = new double[n];
        buf.asDoubleBuffer().get(v);
        new org.bytedeco.javacpp.DoublePointer(a.data().addressPointer()).put(v, 0, n);
      } else {
        float[] v = new float[n];
        buf.asFloatBuffer().get(v);
        new org.bytedeco.javacpp.FloatPointer(a.data().addressPointer()).put(v, 0, n);
      }
      tensors.put(t.name(), a);
    }
    return new Contents(tensors, metadata);
  }

  private static Dtype exactType(String name, INDArray t) {
    return switch (t.dataType()) {
      case FLOAT -> Dtype.F32;
      case DOUBLE -> Dtype.F64;
      default -> throw new IllegalArgumentException("tensor '" + name + "' has type " + t.dataType() + "; exact encoding takes FLOAT or DOUBLE");
    };
  }

  private static void writeData(OutputStream out, INDArray t, Dtype dtype) throws IOException {
    INDArray dense = FloatTensors.denseFloat(t);
    long numel = dense.length();
    int chunk = (int) Math.min(CHUNK_ELEMS, Math.max(1, numel));
    float[] vals = new float[chunk];
    ByteBuffer raw = ByteBuffer.allocate(chunk * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (long done = 0; done < numel; ) {
      int n = (int) Math.min(chunk, numel - done);
      FloatTensors.get(dense, done, vals, n);
      raw.clear();
      for (int i = 0; i < n; i++) {
        switch (dtype) {
          case F32: raw.putFloat(vals[i]); break;
          case F16: raw.putShort(HalfFloats.floatToHalf(vals[i])); break;
          case F64: raw.putDouble(vals[i]); break;
          default: raw.putShort(HalfFloats.floatToBf16(vals[i])); break;
        }
      }
      out.write(raw.array(), 0, n * dtype.bytes);
      done += n;
    }
  }

  static void decode(Dtype dtype, byte[] raw, float[] out, int n) {
    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case F32: for (int i = 0; i < n; i++) out[i] = b.getFloat(i * 4); break;
      case F16: for (int i = 0; i < n; i++) out[i] = HalfFloats.halfToFloat(b.getShort(i * 2)); break;
      case F64: for (int i = 0; i < n; i++) out[i] = (float) b.getDouble(i * 8); break;
      default: for (int i = 0; i < n; i++) out[i] = HalfFloats.bf16ToFloat(b.getShort(i * 2)); break;
    }
  }
}
