package io.adversarialprune.udfs.metrics;

/**
 * A proportion {@code successes / trials} with its 95% Wilson score interval. For {@code trials ==
 * 0} the value is NaN and the interval is {@code [0, 1]} (nothing is known). Immutable value.
 *
 * @param successes {@code k}
 * @param trials {@code n}
 * @param value {@code k / n}, NaN when {@code n == 0}
 * @param lower lower end of the interval
 * @param upper upper end of the interval
 */
public record Rate(long successes, long trials, double value, double lower, double upper) {

  /** {@code k / n} with the 95% Wilson interval ({@link Wilson#Z95}). */
  public static Rate of(long successes, long trials) {
    double[] interval = Wilson.interval(successes, trials, Wilson.Z95);
    double value = trials == 0 ? Double.NaN : (double) successes / trials;
    return new Rate(successes, trials, value, interval[0], interval[1]);
  }
}
