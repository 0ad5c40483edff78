package nomoat.jobs;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/** A real single-datanode HDFS (MiniDFSCluster) on 127.0.0.1, shared by the tests of one JVM. */
public final class Hdfs {
  private static MiniDFSCluster cluster;

  private Hdfs() {}

  /** hdfs://127.0.0.1:port */
  public static synchronized String uri() throws Exception {
    if (cluster == null) {
      Path base = Files.createTempDirectory("nomoat-minidfs");
      Configuration conf = new Configuration();
      conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toString());
      conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
      conf.set("dfs.datanode.hostname", "127.0.0.1");
      cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
      cluster.waitActive();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> cluster.shutdown(true)));
    }
    return "hdfs://127.0.0.1:" + cluster.getNameNodePort();
  }
}
