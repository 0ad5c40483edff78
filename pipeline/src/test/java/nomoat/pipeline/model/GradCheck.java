package nomoat.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleSupplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Central finite differences in double precision. */
final class GradCheck {
  private GradCheck() {}

  /** d loss / d param by central differences, perturbing param in place (restored afterwards). */
  static INDArray numeric(DoubleSupplier loss, INDArray param, double eps) {
    INDArray g = param.dup();
    INDArray flat = param.reshape(param.length());
    for (long i = 0; i < param.length(); i++) {
      double v = flat.getDouble(i);
      flat.putScalar(i, v + eps);
      double up = loss.getAsDouble();
      flat.putScalar(i, v - eps);
      double down = loss.getAsDouble();
      flat.putScalar(i, v);
      g.reshape(g.length()).putScalar(i, (up - down) / (2 * eps));
    }
    return g;
  }

  static void assertClose(String what, INDArray expected, INDArray actual, double tol) {
    double scale = Math.max(1.0, expected.amaxNumber().doubleValue());
    double err = expected.sub(actual).amaxNumber().doubleValue();
    assertTrue(err <= tol * scale, what + ": max abs error " + err + " (scale " + scale + ")\nexpected " + expected + "\nactual " + actual);
  }

  static double dot(INDArray a, INDArray b) { return a.mul(b).sumNumber().doubleValue(); }
}
