package nomoat.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The direct cblas path against ND4J's own gemm/matmul, on every layout the engine hands it. */
class GemmTest {
  private static INDArray rand(DataType t, long... shape) {
    Nd4j.getRandom().setSeed(shape.length * 31L + shape[0]);
    return Nd4j.rand(t, shape).subi(0.5);
  }

  private static void close(INDArray expected, INDArray actual, double tol) {
    assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()));
    double diff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).norm1Number().doubleValue() / expected.length();
    assertTrue(diff < tol, "mean abs diff " + diff);
  }

  @Test
  void theCpuBackendTakesTheDirectPath() {
    assertTrue(Gemm.OPENBLAS.direct(), "OpenBLAS should be reachable on the CPU backend");
  }

  @Test
  void everyTransposeCombinationMatchesNd4j() {
    for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE})
      for (boolean ta : new boolean[] {false, true})
        for (boolean tb : new boolean[] {false, true}) {
          INDArray a = ta ? rand(t, 7, 5) : rand(t, 5, 7), b = tb ? rand(t, 3, 7) : rand(t, 7, 3);
          INDArray expected = Nd4j.gemm(a, b, ta, tb).muli(0.5);
          close(expected, Gemm.OPENBLAS.mm(a, b, ta, tb, 0.5), t == DataType.FLOAT ? 1e-6 : 1e-14);
          INDArray c = rand(t, 5, 3), c0 = c.dup();
          Gemm.OPENBLAS.mmInto(a, b, c, ta, tb, 2.0, 0.25);
          close(Nd4j.gemm(a, b, ta, tb).muli(2.0).addi(c0.mul(0.25)), c, t == DataType.FLOAT ? 1e-6 : 1e-14);
        }
  }

  @Test
  void viewsWithOffsetsStridesAndColumnMajorLayouts() {
    INDArray big = rand(DataType.DOUBLE, 12, 9);
    INDArray rows = big.get(NDArrayIndex.interval(3, 8), NDArrayIndex.all());             // offset 27, stride [9, 1]
    INDArray cols = big.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 6));             // row stride 9 > 4 columns
    INDArray fOrder = rand(DataType.DOUBLE, 9, 4).dup('f');                               // column-major
    close(Nd4j.gemm(rows.dup(), fOrder.dup('c'), false, false), Gemm.OPENBLAS.mm(rows, fOrder, false, false), 1e-14);
    close(Nd4j.gemm(cols.dup(), rand(DataType.DOUBLE, 4, 2), false, false), Gemm.OPENBLAS.mm(cols, rand(DataType.DOUBLE, 4, 2), false, false), 1e-14);
    INDArray right = rand(DataType.DOUBLE, 3, 12);
    close(Nd4j.gemm(big.transpose().dup('c'), right, false, true), Gemm.OPENBLAS.mm(big.transpose(), right, false, true), 1e-14);
    INDArray target = Nd4j.zeros(DataType.DOUBLE, 10, 4);
    INDArray window = target.get(NDArrayIndex.interval(5, 10), NDArrayIndex.all());       // write into a row window
    Gemm.OPENBLAS.mmInto(rows, fOrder, window, false, false, 1.0, 0.0);
    close(Nd4j.gemm(rows.dup(), fOrder.dup('c'), false, false), target.get(NDArrayIndex.interval(5, 10), NDArrayIndex.all()), 1e-14);
    assertEquals(0.0, target.get(NDArrayIndex.interval(0, 5), NDArrayIndex.all()).norm1Number().doubleValue());
  }

  @Test
  void batchedProductsAndAccumulation() {
    for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE})
      for (boolean ta : new boolean[] {false, true})
        for (boolean tb : new boolean[] {false, true}) {
          INDArray a = ta ? rand(t, 4, 6, 5) : rand(t, 4, 5, 6), b = tb ? rand(t, 4, 3, 6) : rand(t, 4, 6, 3);
          INDArray expected = Nd4j.matmul(a, b, null, ta, tb, false);
          double tol = t == DataType.FLOAT ? 1e-6 : 1e-14;
          close(expected, Gemm.OPENBLAS.bmm(a, b, ta, tb), tol);
          INDArray c = rand(t, 4, 5, 3), c0 = c.dup();
          Gemm.OPENBLAS.bmmInto(a, b, c, ta, tb, 1.0);
          close(expected.add(c0), c, tol);
        }
  }

  @Test
  void emptyInnerDimensionAndShapeErrors() {
    INDArray c = Nd4j.ones(DataType.FLOAT, 2, 3);
    Gemm.OPENBLAS.mmInto(Nd4j.create(DataType.FLOAT, 2, 0), Nd4j.create(DataType.FLOAT, 0, 3), c, false, false, 1.0, 0.5);
    assertEquals(3.0, c.sumNumber().doubleValue(), 1e-7);                               // beta * c only
    assertThrows(IllegalArgumentException.class,
        () -> Gemm.OPENBLAS.mmInto(rand(DataType.FLOAT, 2, 3), rand(DataType.FLOAT, 4, 5), Nd4j.create(DataType.FLOAT, 2, 5), false, false, 1, 0));
  }
}
