package io.adversarialprune.udfs.metrics;

/** Wilson score interval for a binomial proportion. Stateless. */
public final class Wilson {

  /** The two-sided 95% normal quantile. */
  public static final double Z95 = 1.959963984540054;

  private Wilson() {}

  /**
   * The Wilson score interval {@code [lower, upper]} for {@code k} successes in {@code n} trials:
   * {@code (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)}, clamped to [0, 1]. For
   * {@code n == 0} it is {@code [0, 1]}.
   *
   * @throws IllegalArgumentException unless {@code 0 <= k <= n} and {@code z > 0}
   */
  public static double[] interval(long k, long n, double z) {
    if (k < 0 || n < 0 || k > n) {
      throw new IllegalArgumentException(
          "Wilson interval needs 0 <= successes <= trials, got " + k + " of " + n);
    }
    if (!(z > 0) || Double.isInfinite(z)) {
      throw new IllegalArgumentException("Wilson interval needs a finite z > 0, got " + z);
    }
    if (n == 0) {
      return new double[] {0, 1};
    }
    double p = (double) k / n;
    double z2 = z * z;
    double denominator = 1 + z2 / n;
    double center = (p + z2 / (2.0 * n)) / denominator;
    double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
    double lower = k == 0 ? 0 : Math.max(0, center - half);
    double upper = k == n ? 1 : Math.min(1, center + half);
    return new double[] {lower, upper};
  }
}
