package io.adversarialprune.udfs.prune;

/**
 * D'Agostino-Pearson K^2 normality test with {@code scipy.stats.normaltest} semantics (scipy 1.10):
 * {@code K^2 = Z_skew^2 + Z_kurt^2} from scipy's {@code skewtest} and {@code kurtosistest} (biased
 * sample moments, Anscombe-Glynn transform for the kurtosis), p from the chi-squared distribution
 * with 2 degrees of freedom, whose survival function is exactly {@code exp(-K^2/2)}. All arithmetic
 * is in double. Stateless and thread-safe.
 */
public final class NormalityTest {

  /** scipy's {@code skewtest} refuses fewer than 8 observations. */
  public static final int MIN_ELEMENTS = 8;

  private NormalityTest() {}

  /** p-value of the test on {@code values}; throws below {@value #MIN_ELEMENTS} elements. */
  public static double dAgostinoPearsonP(float[] values) {
    double[] d = new double[values.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = values[i];
    }
    return dAgostinoPearsonP(d);
  }

  /** p-value of the test on {@code values}; throws below {@value #MIN_ELEMENTS} elements. */
  public static double dAgostinoPearsonP(double[] values) {
    int n = values.length;
    if (n < MIN_ELEMENTS) {
      throw new IllegalArgumentException(
          "normaltest needs at least " + MIN_ELEMENTS + " values, got " + n);
    }
    double mean = 0;
    for (double v : values) {
      mean += v;
    }
    mean /= n;
    double m2 = 0;
    double m3 = 0;
    double m4 = 0;
    for (double v : values) {
      double d = v - mean;
      double d2 = d * d;
      m2 += d2;
      m3 += d2 * d;
      m4 += d2 * d2;
    }
    m2 /= n;
    m3 /= n;
    m4 /= n;
    // scipy treats a (numerically) constant sample as skew 0 and kurtosis 0 (non-Fisher).
    double resolution = 1e-15 * mean;
    boolean constant = m2 <= resolution * resolution;
    double skew = constant ? 0 : m3 / Math.pow(m2, 1.5);
    double kurt = constant ? 0 : m4 / (m2 * m2);
    double zs = skewZ(skew, n);
    double zk = kurtosisZ(kurt, n);
    double k2 = zs * zs + zk * zk;
    return Math.exp(-k2 / 2);
  }

  /** scipy.stats.skewtest's statistic for sample skewness {@code b2}. */
  static double skewZ(double b2, int n) {
    double y = b2 * Math.sqrt(((n + 1.0) * (n + 3)) / (6.0 * (n - 2)));
    double beta2 =
        (3.0 * (n * (double) n + 27 * n - 70) * (n + 1) * (n + 3))
            / ((n - 2.0) * (n + 5) * (n + 7) * (n + 9));
    double w2 = -1 + Math.sqrt(2 * (beta2 - 1));
    double delta = 1 / Math.sqrt(0.5 * Math.log(w2));
    double alpha = Math.sqrt(2.0 / (w2 - 1));
    if (y == 0) {
      y = 1;
    }
    double ya = y / alpha;
    return delta * Math.log(ya + Math.sqrt(ya * ya + 1));
  }

  /** scipy.stats.kurtosistest's statistic for sample (non-Fisher) kurtosis {@code b2}. */
  static double kurtosisZ(double b2, int n) {
    double e = 3.0 * (n - 1) / (n + 1);
    double varb2 = 24.0 * n * (n - 2) * (n - 3) / ((n + 1.0) * (n + 1) * (n + 3) * (n + 5));
    double x = (b2 - e) / Math.sqrt(varb2);
    double sqrtbeta1 =
        6.0
            * (n * (double) n - 5 * n + 2)
            / ((n + 7.0) * (n + 9))
            * Math.sqrt((6.0 * (n + 3) * (n + 5)) / (n * (n - 2.0) * (n - 3)));
    double a = 6 + 8 / sqrtbeta1 * (2 / sqrtbeta1 + Math.sqrt(1 + 4 / (sqrtbeta1 * sqrtbeta1)));
    double term1 = 1 - 2 / (9 * a);
    double denom = 1 + x * Math.sqrt(2 / (a - 4));
    double term2 =
        denom == 0 ? Double.NaN : Math.signum(denom) * Math.cbrt((1 - 2 / a) / Math.abs(denom));
    return (term1 - term2) / Math.sqrt(2 / (9 * a));
  }
}
