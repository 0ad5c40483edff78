package nomoat.pipeline.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Safetensors encoding of FP32/FP64 tensors plus string metadata, for trainer state (optimiser moments, gradient
 * sums). Bit-exact both ways: raw little-endian values, no conversion.
 */
public final class SafetensorsCodec {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Decoded file: tensors by name (sorted) and the {@code __metadata__} strings. */
  public record Contents(Map<String, INDArray> tensors, Map<String, String> metadata) {}

  private SafetensorsCodec() {}

  public static byte[] encode(Map<String, INDArray> tensors, Map<String, String> metadata) {
    Map<String, Object> header = new LinkedHashMap<>();
    if (!metadata.isEmpty()) header.put("__metadata__", new TreeMap<>(metadata));
    List<byte[]> payloads = new ArrayList<>();
    long offset = 0;
    for (Map.Entry<String, INDArray> e : new TreeMap<>(tensors).entrySet()) {
      INDArray t = e.getValue();
      byte[] data = rawBytes(e.getKey(), t);
      header.put(e.getKey(), Map.of("dtype", code(e.getKey(), t.dataType()), "shape", t.shape(),
          "data_offsets", List.of(offset, offset + data.length)));
      payloads.add(data);
      offset += data.length;
    }
    try {
      byte[] json = JSON.writeValueAsBytes(header);
      int padded = (json.length + 7) / 8 * 8; // spec: header may be padded with spaces; keeps data 8-byte aligned
      ByteArrayOutputStream out = new ByteArrayOutputStream(8 + padded + (int) offset);
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
      out.write(json);
      for (int i = json.length; i < padded; i++) out.write(' ');
      for (byte[] p : payloads) out.write(p);
      return out.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("could not encode safetensors header", e);
    }
  }

  public static Contents decode(byte[] bytes) {
    if (bytes.length < 8) throw new IllegalArgumentException("not a safetensors file: " + bytes.length + " bytes");
    long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (headerLen < 2 || 8 + headerLen > bytes.length)
      throw new IllegalArgumentException("not a safetensors file: header length " + headerLen + " of " + bytes.length + " bytes");
    Map<String, Object> header;
    try {
      header = JSON.readValue(new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8).trim(), new TypeReference<>() {});
    } catch (IOException e) {
      throw new IllegalArgumentException("corrupt safetensors header: " + e.getMessage(), e);
    }
    int dataStart = 8 + (int) headerLen;
    Map<String, String> metadata = new TreeMap<>();
    Map<String, INDArray> tensors = new TreeMap<>();
    for (Map.Entry<String, Object> e : header.entrySet()) {
      if (e.getKey().equals("__metadata__")) {
        ((Map<?, ?>) e.getValue()).forEach((k, v) -> metadata.put(String.valueOf(k), String.valueOf(v)));
        continue;
      }
      Map<?, ?> info = (Map<?, ?>) e.getValue();
      DataType type = dataType(e.getKey(), String.valueOf(info.get("dtype")));
      long[] shape = ((List<?>) info.get("shape")).stream().mapToLong(x -> ((Number) x).longValue()).toArray();
      List<?> offs = (List<?>) info.get("data_offsets");
      long begin = ((Number) offs.get(0)).longValue(), end = ((Number) offs.get(1)).longValue();
      long count = 1;
      for (long s : shape) count *= s;
      if (end - begin != count * type.width() || dataStart + end > bytes.length || begin < 0)
        throw new IllegalArgumentException("corrupt safetensors entry '" + e.getKey() + "'");
      ByteBuffer buf = ByteBuffer.wrap(bytes, dataStart + (int) begin, (int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
      tensors.put(e.getKey(), fromBytes(buf, type, shape, (int) count));
    }
    return new Contents(tensors, metadata);
  }

  private static byte[] rawBytes(String name, INDArray t) {
    ByteBuffer out = ByteBuffer.allocate((int) (t.length() * t.dataType().width())).order(ByteOrder.LITTLE_ENDIAN);
    INDArray c = t.dup('c');
    switch (t.dataType()) {
      case FLOAT -> { for (float f : c.data().asFloat()) out.putFloat(f); }
      case DOUBLE -> { for (double d : c.data().asDouble()) out.putDouble(d); }
      default -> throw new IllegalArgumentException("tensor '" + name + "' has unsupported type " + t.dataType());
    }
    return out.array();
  }

  private static INDArray fromBytes(ByteBuffer buf, DataType type, long[] shape, int count) {
    if (type == DataType.FLOAT) {
      float[] v = new float[count];
      buf.asFloatBuffer().get(v);
      return Nd4j.create(v, shape, DataType.FLOAT);
    }
    double[] v = new double[count];
    buf.asDoubleBuffer().get(v);
    return Nd4j.create(v, shape, DataType.DOUBLE);
  }

  private static String code(String name, DataType t) {
    return switch (t) {
      case FLOAT -> "F32";
      case DOUBLE -> "F64";
      default -> throw new IllegalArgumentException("tensor '" + name + "' has unsupported type " + t);
    };
  }

  private static DataType dataType(String name, String code) {
    return switch (code) {
      case "F32" -> DataType.FLOAT;
      case "F64" -> DataType.DOUBLE;
      default -> throw new IllegalArgumentException("tensor '" + name + "' has unsupported dtype " + code);
    };
  }
}
