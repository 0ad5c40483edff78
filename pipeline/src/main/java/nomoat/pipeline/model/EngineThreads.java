package nomoat.pipeline.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Parallelism of one step (training or scoring). A batch's rows are split into contiguous shards, one per thread
 * ({@link EngineOptions#threads()}), each run with single-threaded BLAS, and the shards' sums are added in shard
 * order. This scales better than multi-threaded BLAS on small matrices and keeps every op (norms, softmax, rotary)
 * parallel too. BLAS gets the threads the shards leave over (threads / shards: one per shard when the batch has enough rows,
 * all of them for a single-row batch); this is a process-wide setting, so it follows the latest call.
 * Results for a given thread count are deterministic; different thread counts agree to float rounding.
 * The worker pool is shared by all callers in the JVM and has as many threads as the latest caller's option, so
 * several concurrent callers (e.g. Spark tasks in one executor) queue rather than multiply threads and per-thread
 * scratch memory. In an executor running one task per core, set the engine threads to 1 (or spark.task.cpus).
 */
final class EngineThreads {
  private EngineThreads() {}

  private static ExecutorService pool;
  private static int poolSize;

  /** A shard's work: rows [firstRow, firstRow + rows.batchSize()) of the whole batch. */
  interface RowTask<T> {
    T run(Batch rows, int firstRow);
  }

  /**
   * Splits the batch's rows into at most {@code threads} contiguous shards of equal size (the last may be shorter),
   * runs task on each, in parallel, and returns the results in row order.
   */
  static <T> List<T> overRows(int threads, Batch batch, RowTask<T> task) {
    int shards = Math.min(batch.batchSize(), threads);
    int per = (batch.batchSize() + shards - 1) / shards;
    int n = (batch.batchSize() + per - 1) / per;
    return runAll(threads, n, i -> {
      int from = i * per, to = Math.min(batch.batchSize(), from + per);
      return task.run(n == 1 ? batch : batch.rows(from, to), from);
    });
  }

  /** Runs task(0..n-1), in parallel when n > 1, on a pool of threads threads, and returns the results in index order. */
  static <T> List<T> runAll(int threads, int n, IntFunction<T> task) {
    setBlasThreads(Math.max(1, threads / n));
    List<T> out = new ArrayList<>(n);
    if (n == 1) {
      out.add(task.apply(0));
      return out;
    }
    List<Future<T>> fs = new ArrayList<>(n);
    ExecutorService p = pool(threads);
    for (int i = 0; i < n; i++) {
      int shard = i;
      fs.add(p.submit(() -> task.apply(shard)));
    }
    try {
      for (Future<T> f : fs) out.add(f.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      if (e.getCause() instanceof Error err) throw err;
      throw new IllegalStateException(e.getCause());
    }
    return out;
  }

  private static int blasThreads = -1;

  private static synchronized void setBlasThreads(int n) {
    if (n != blasThreads) {
      Nd4j.factory().blas().setMaxThreads(n);
      blasThreads = n;
    }
  }

  private static synchronized ExecutorService pool(int threads) {
    if (pool == null || poolSize != threads) {
      if (pool != null) pool.shutdown();             // queued work still completes
      poolSize = threads;
      pool = Executors.newFixedThreadPool(poolSize, r -> {
        Thread t = new Thread(r, "nomoat-engine");
        t.setDaemon(true);
        return t;
      });
    }
    return pool;
  }
}
