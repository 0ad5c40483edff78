package nomoat.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * One training step with nothing to compute, to choose how gradients come back: broadcast the adapter (a float[]
 * of S), P tasks each return S floats as a compact little-endian byte[] (what a real step ships, not an object
 * graph), combine them with {@code reduce} or {@code treeAggregate} (null zero value, depth 2, optionally with the
 * final merge on an executor), destroy the broadcast. The step's wall time on the driver is the coordination cost.
 */
final class AggregationBench {
  private AggregationBench() {}

  enum Mode { REDUCE, TREE, TREE_ON_EXECUTOR }

  record Row(int floats, int partitions, Mode mode, double medianMs, double minMs, double maxMs) {}

  /** Trained LoRA parameters of a bench model (r on every layer's {@code targets}), as the engine bench trains it. */
  static int loraParams(BenchModel m, Set<String> targets, int r) {
    int q = m.heads() * m.headDim(), kv = m.kvHeads() * m.headDim(), h = m.hidden(), f = m.intermediate();
    int perLayer = 0;
    for (String t : targets) {
      perLayer += r * switch (t) {
        case "q_proj" -> h + q;
        case "k_proj", "v_proj" -> h + kv;
        case "o_proj" -> q + h;
        case "gate_proj", "up_proj", "down_proj" -> h + f;
        default -> throw new IllegalArgumentException("unknown LoRA target " + t);
      };
    }
    return perLayer * m.layers();
  }

  static List<Row> run(SparkSession spark, List<Integer> sizes, List<Integer> partitions, List<Mode> modes, int warmup, int reps,
                       java.io.PrintWriter out) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Row> rows = new ArrayList<>();
    for (int s : sizes) {
      for (int p : partitions) {
        JavaRDD<Integer> tasks = jsc.parallelize(IntStream.range(0, p).boxed().toList(), p);
        for (Mode mode : modes) {
          double[] ms = new double[reps];
          float expected = 0;
          for (int i = 0; i < p; i++) expected += 1f + i;
          for (int rep = -warmup; rep < reps; rep++) {
            long t0 = System.nanoTime();
            byte[] sum = step(jsc, tasks, s, mode);
            double elapsed = (System.nanoTime() - t0) / 1e6;
            float first = ByteBuffer.wrap(sum).order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
            if (sum.length != 4 * s || first != expected)
              throw new IllegalStateException(mode + " combined to a wrong result: " + first + " != " + expected);
            if (rep >= 0) ms[rep] = elapsed;
          }
          java.util.Arrays.sort(ms);
          Row row = new Row(s, p, mode, Stats.median(ms), ms[0], ms[ms.length - 1]);
          rows.add(row);
          out.printf("  %,11d floats (%6.2f MB)  P=%-3d %-17s median %8.1f ms  (min %.1f, max %.1f)%n", s, 4.0 * s / 1e6, p,
              mode.name().toLowerCase(java.util.Locale.ROOT), row.medianMs(), row.minMs(), row.maxMs());
          out.flush();
        }
      }
    }
    return rows;
  }

  /** One coordination round trip: broadcast, P tasks return S floats each, combine, destroy. */
  static byte[] step(JavaSparkContext jsc, JavaRDD<Integer> tasks, int floats, Mode mode) {
    Broadcast<float[]> adapter = jsc.broadcast(new float[floats]);
    try {
      JavaRDD<byte[]> grads = tasks.map(i -> {
        float[] a = adapter.value();
        ByteBuffer b = ByteBuffer.allocate(4 * a.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : a) b.putFloat(x + 1f + i);
        return b.array();
      });
      return switch (mode) {
        case REDUCE -> grads.reduce(AggregationBench::addInto);
        case TREE -> grads.treeAggregate(null, AggregationBench::addNullable, AggregationBench::addNullable, 2);
        case TREE_ON_EXECUTOR -> grads.treeAggregate(null, AggregationBench::addNullable, AggregationBench::addNullable, 2, true);
      };
    } finally {
      adapter.destroy();
    }
  }

  /** The null zero value: nothing adapter-sized travels inside the tasks. */
  static byte[] addNullable(byte[] acc, byte[] x) {
    if (acc == null) return x;
    if (x == null) return acc;
    return addInto(acc, x);
  }

  /** acc += x over little-endian floats; returns acc. */
  static byte[] addInto(byte[] acc, byte[] x) {
    FloatBuffer a = ByteBuffer.wrap(acc).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    FloatBuffer b = ByteBuffer.wrap(x).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    for (int i = 0, n = a.limit(); i < n; i++) a.put(i, a.get(i) + b.get(i));
    return acc;
  }
}
