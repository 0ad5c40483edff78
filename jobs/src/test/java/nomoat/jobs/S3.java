package nomoat.jobs;

import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;

/** A real S3 API (s3proxy, in-memory store) on 127.0.0.1, with bucket "nomoat", reached through s3a://. */
public final class S3 {
  public static final String BUCKET = "nomoat";
  private static final String KEY = "nomoat-access";
  private static final String SECRET = "nomoat-secret";
  private static S3Proxy proxy;

  private S3() {}

  public static synchronized int port() throws Exception {
    if (proxy == null) {
      TransientNio2BlobStore store = new TransientNio2BlobStore();
      store.createContainer(BUCKET);
      proxy = S3Proxy.builder()
          .blobStore(store)
          .endpoint(URI.create("http://127.0.0.1:0"))
          .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, KEY, SECRET)
          .build();
      proxy.start();
      long deadline = System.currentTimeMillis() + 30_000;
      while (!"STARTED".equals(proxy.getState()) && System.currentTimeMillis() < deadline) Thread.sleep(10);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try { proxy.stop(); } catch (Exception ignored) { }
      }));
    }
    return proxy.getPort();
  }

  /** The s3a settings that point Hadoop at the proxy; applied to a Configuration or Spark's hadoop conf. */
  public static void configure(Configuration conf) throws Exception {
    conf.set("fs.s3a.endpoint", "http://127.0.0.1:" + port());
    conf.set("fs.s3a.endpoint.region", "us-east-1");
    conf.set("fs.s3a.path.style.access", "true");
    conf.set("fs.s3a.connection.ssl.enabled", "false");
    conf.set("fs.s3a.access.key", KEY);
    conf.set("fs.s3a.secret.key", SECRET);
    conf.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    conf.set("fs.s3a.change.detection.mode", "none");
    conf.set("fs.s3a.bucket.probe", "0");
    conf.set("fs.s3a.fast.upload.buffer", "bytebuffer");
  }

  public static String uri(String key) { return "s3a://" + BUCKET + "/" + key; }
}
