package nomoat.pipeline.prepare;

import java.io.Serializable;
import java.util.Arrays;

/** Exact-dedup key: two examples are duplicates only when their ids and labels are equal element by element. */
public record ContentKey(int[] ids, int[] labels) implements Serializable {
  @Override
  public boolean equals(Object o) {
    return o instanceof ContentKey k && Arrays.equals(ids, k.ids) && Arrays.equals(labels, k.labels);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(ExampleKeys.content(ids, labels));
  }
}
