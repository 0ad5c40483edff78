package nomoat.pipeline.train;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * The workers' results of one step, combined along a fixed binary tree over worker indices: worker w's result is leaf w,
 * and a node of size 2^k starting at a multiple of 2^k is its left half plus its right half (a half past the last worker
 * is empty). Floating-point addition is commutative but not associative, so a sum whose grouping followed the order in
 * which Spark delivered task results would differ between runs in the last bits; this grouping depends only on the
 * worker count, so every run — uninterrupted, resumed, retried — sums the same way, whatever the arrival order.
 * Nodes are combined as soon as both halves are present, so at most a few unpaired results are held at a time.
 * {@link #merge} works as the seqOp and combOp of Spark's {@code reduce}/{@code treeAggregate} with a null zero value.
 */
public final class StepResults implements Serializable {
  private static final long serialVersionUID = 1L;

  /** A combined node: workers [start, start + 2^level) ∩ [0, workers). */
  private record Node(int level, WorkerResult result) implements Serializable {}

  private final int workers;
  private final TreeMap<Integer, Node> nodes = new TreeMap<>();   // by start; nodes cover disjoint worker ranges

  private StepResults(int workers) {
    this.workers = workers;
  }

  /** Worker {@code worker}'s result of a step run by {@code workers} workers. */
  public static StepResults leaf(int worker, int workers, WorkerResult result) {
    if (worker < 0 || worker >= workers) throw new IllegalArgumentException("worker " + worker + " of " + workers);
    StepResults s = new StepResults(workers);
    s.nodes.put(worker, new Node(0, result));
    s.collapse();
    return s;
  }

  /** Combines two partial results (either may be null, the empty zero value); may reuse and return {@code x}. */
  public static StepResults merge(StepResults x, StepResults y) {
    if (x == null) return y;
    if (y == null) return x;
    if (x.workers != y.workers) throw new IllegalArgumentException("results of " + x.workers + " and " + y.workers + " workers");
    for (Map.Entry<Integer, Node> e : y.nodes.entrySet()) {
      Node prev = x.nodes.put(e.getKey(), e.getValue());
      if (prev != null) throw new IllegalArgumentException("worker " + e.getKey() + "'s result arrived twice");
    }
    x.collapse();
    return x;
  }

  /** The sum over all workers; fails naming the missing workers when some have not been merged in. */
  public WorkerResult result() {
    Node root = nodes.get(0);
    if (nodes.size() != 1 || root == null || (1L << root.level) < workers) {
      StringBuilder missing = new StringBuilder();
      for (int w = 0; w < workers; w++) if (covering(w) == null) missing.append(missing.length() == 0 ? "" : ", ").append(w);
      throw new IllegalStateException("results of workers " + missing + " of " + workers + " are missing");
    }
    return root.result;
  }

  public int workers() { return workers; }

  private Node covering(int w) {
    Map.Entry<Integer, Node> e = nodes.floorEntry(w);
    return e != null && w < e.getKey() + (1L << e.getValue().level) ? e.getValue() : null;
  }

  /** Replaces every pair of sibling nodes (and every left node whose sibling lies past the last worker) by their parent. */
  private void collapse() {
    for (boolean changed = true; changed; ) {
      changed = false;
      for (Map.Entry<Integer, Node> e : nodes.entrySet()) {
        int start = e.getKey();
        Node n = e.getValue();
        long size = 1L << n.level;
        if (start == 0 && size >= workers) continue;                 // the root
        if ((start & ((size << 1) - 1)) != 0) continue;              // a right half: its left sibling does the work
        long right = start + size;
        Node parent;
        if (right >= workers) {
          parent = new Node(n.level + 1, n.result);
        } else {
          Node sib = nodes.get((int) right);
          if (sib == null || sib.level != n.level) continue;
          nodes.remove((int) right);
          parent = new Node(n.level + 1, WorkerResult.merge(n.result, sib.result));   // left + right, always
        }
        nodes.put(start, parent);
        changed = true;
        break;                                                       // the map changed under the iteration
      }
    }
  }
}
