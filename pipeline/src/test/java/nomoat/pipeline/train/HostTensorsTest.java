package nomoat.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class HostTensorsTest {
  private static final double[] C_ORDER = {1, 2, 3, 4, 5, 6};

  @Test
  void readsAndWritesPackedFortranOrderAndViewsInCOrder() {
    INDArray packed = Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, DataType.FLOAT);
    INDArray fortran = packed.dup('f');
    INDArray parent = Nd4j.zeros(DataType.DOUBLE, 4, 3);
    INDArray view = parent.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());
    view.assign(packed.castTo(DataType.DOUBLE));
    for (INDArray a : new INDArray[] {packed, fortran, view}) {
      assertArrayEquals(C_ORDER, HostTensors.toDoubles(a), 0);
      double[] twice = C_ORDER.clone();
      for (int i = 0; i < twice.length; i++) twice[i] *= 2;
      HostTensors.assign(a, twice);
      assertEquals(6.0, a.getDouble(0, 2), 0);
      assertEquals(8.0, a.getDouble(1, 0), 0);
      assertArrayEquals(twice, HostTensors.toDoubles(a), 0);
    }
    assertEquals(0.0, parent.getRow(0).sumNumber().doubleValue(), 0, "writing a view leaves the rest alone");
    assertEquals(0.0, parent.getRow(3).sumNumber().doubleValue(), 0);
  }

  @Test
  void roundsToFloatWhenStoring() {
    INDArray f = Nd4j.zeros(DataType.FLOAT, 1);
    HostTensors.assign(f, new double[] {0.1});
    assertEquals((double) 0.1f, f.getDouble(0), 0);
  }
}
