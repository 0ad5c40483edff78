package nomoat.pipeline.shard;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import nomoat.pipeline.NomoatException;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Picks the shard compression (config value {@code auto|zstd|snappy|gzip|none}). "auto" takes the first of
 * ZSTD (zstd-jni), SNAPPY (snappy-java), GZIP (JDK) that actually compresses in this JVM: each is tried once
 * through Parquet's own codec factory, so a missing jar or a native library that cannot load on this
 * machine falls through instead of failing the job.
 */
public final class ShardCompression {
  private ShardCompression() {}

  static final List<CompressionCodecName> PREFERENCE =
      List.of(CompressionCodecName.ZSTD, CompressionCodecName.SNAPPY, CompressionCodecName.GZIP);
  private static final Map<CompressionCodecName, Boolean> WORKS = new EnumMap<>(CompressionCodecName.class);

  public static CompressionCodecName resolve(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    if (n.equals("auto")) return best();
    CompressionCodecName codec = switch (n) {
      case "zstd" -> CompressionCodecName.ZSTD;
      case "snappy" -> CompressionCodecName.SNAPPY;
      case "gzip" -> CompressionCodecName.GZIP;
      case "none", "uncompressed" -> CompressionCodecName.UNCOMPRESSED;
      default -> throw NomoatException.config("unknown shard compression '" + name + "'; use auto, zstd, snappy, gzip or none");
    };
    if (!works(codec)) throw NomoatException.config("shard compression " + n + " does not work in this JVM (codec library missing or not loadable); use auto");
    return codec;
  }

  /** The most preferred codec that works here; UNCOMPRESSED if none does. */
  public static CompressionCodecName best() {
    for (CompressionCodecName c : PREFERENCE) if (works(c)) return c;
    return CompressionCodecName.UNCOMPRESSED;
  }

  public static synchronized boolean works(CompressionCodecName codec) {
    if (codec == CompressionCodecName.UNCOMPRESSED) return true;
    return WORKS.computeIfAbsent(codec, ShardCompression::probe);
  }

  private static boolean probe(CompressionCodecName codec) {
    CodecFactory factory = new CodecFactory(new Configuration(false), 64 * 1024);
    try {
      CompressionCodecFactory.BytesInputCompressor c = factory.getCompressor(codec);
      byte[] sample = "nomoat probe nomoat probe nomoat probe".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      BytesInput out = c.compress(BytesInput.from(sample));
      return out.size() > 0;
    } catch (Throwable t) { // UnsatisfiedLinkError / NoClassDefFoundError from a codec that cannot run here
      return false;
    } finally {
      factory.release();
    }
  }
}
