package io.adversarialprune.udfs.attack;

import java.util.Arrays;

/**
 * FAB's projection step (Croce and Hein, ICML 2020, "Minimally distorted adversarial examples with
 * a fast adaptive boundary attack", section 3.1): the smallest perturbation {@code d}, in the
 * L-infinity or L2 norm, that moves a point {@code t} of the box {@code [0, 1]^n} onto the
 * hyperplane {@code w . x = b} while staying in the box; where the hyperplane cannot be reached
 * inside the box, the perturbation that gets closest (every coordinate moved as far as the box lets
 * it, toward the hyperplane).
 *
 * <p>Both norms reduce to one water-filling problem. Let {@code c = w . t - b} and {@code v =
 * sign(c) w} (so the move must lower {@code v . x} by {@code |c|}); each coordinate moves against
 * its {@code v_i} by {@code m_i(lambda) = min(lambda, k_i)} units of a per-coordinate scale, and
 * the hyperplane is reached where {@code sum_i a_i min(lambda, k_i) = |c|}:
 *
 * <ul>
 *   <li>L-infinity: {@code d_i = -sign(v_i) min(lambda, k_i)} with {@code a_i = |v_i|} and {@code
 *       k_i} the room to the box's face in that direction ({@code 1 - t_i} or {@code t_i}); {@code
 *       lambda} is then the perturbation's L-infinity norm (the KKT point of the problem);
 *   <li>L2: {@code d_i = -v_i min(lambda, k_i)} with {@code a_i = v_i^2} and {@code k_i = (room to
 *       the face) / |v_i|}, the multiplier at which coordinate {@code i} reaches the face.
 * </ul>
 *
 * The left side is piecewise linear and increasing in {@code lambda}: {@link #level} sorts the
 * {@code k_i} and walks the pieces. Coordinates with {@code v_i = 0} (L-infinity) or {@code |v_i| <
 * 1e-8} (L2, as AutoAttack) do not move. Everything is double precision on Java arrays; each call
 * works on one sample. Stateless.
 */
final class FabProjections {

  /** Below this |w_i| an L2 coordinate does not move (AutoAttack's threshold). */
  static final double L2_TINY = 1e-8;

  private FabProjections() {}

  /**
   * The projection of {@code t} (values {@code from .. from + n - 1} of {@code t} and {@code w})
   * onto {@code w . x = b} within the box, written to {@code d[0 .. n - 1]}.
   *
   * @param l2 the L2 norm; else L-infinity
   */
  static void project(
      boolean l2, float[] t, float[] w, int from, int n, double b, double[] d, Scratch s) {
    double dot = 0;
    for (int i = 0; i < n; i++) {
      dot += (double) w[from + i] * t[from + i];
    }
    double c = dot - b;
    double sign = c >= 0 ? 1 : -1;
    double need = Math.abs(c);
    for (int i = 0; i < n; i++) {
      double v = sign * w[from + i];
      double x = t[from + i];
      double room = v > 0 ? x : 1 - x; // how far the coordinate can move against v
      if (l2) {
        boolean moves = Math.abs(v) >= L2_TINY;
        s.a[i] = moves ? v * v : 0;
        s.k[i] = moves ? room / Math.abs(v) : 0;
      } else {
        s.a[i] = Math.abs(v);
        s.k[i] = v != 0 ? room : 0;
      }
    }
    double lambda = level(s.a, s.k, n, need, s.order);
    for (int i = 0; i < n; i++) {
      double v = sign * w[from + i];
      double m = Math.min(lambda, s.k[i]);
      if (l2) {
        d[i] = Math.abs(v) >= L2_TINY ? -v * m : 0;
      } else {
        d[i] = v > 0 ? -m : v < 0 ? m : 0;
      }
    }
  }

  /**
   * The smallest {@code lambda >= 0} with {@code sum_i a_i min(lambda, k_i) = target} (all {@code
   * a_i, k_i >= 0}), or {@link Double#POSITIVE_INFINITY} when even {@code lambda = max k_i} falls
   * short of it or just reaches it (every coordinate then moves as far as it can).
   *
   * @param order scratch of at least {@code n} entries
   */
  static double level(double[] a, double[] k, int n, double target, long[] order) {
    double full = 0;
    double slope = 0;
    for (int i = 0; i < n; i++) {
      full += a[i] * k[i];
      slope += a[i];
    }
    if (target >= full) {
      return Double.POSITIVE_INFINITY;
    }
    // Ascending k: the float bits of a non-negative float order as the value does; the index rides
    // in the low half. Keys that tie as floats may come out of order by less than a float's
    // rounding, which moves lambda by as little.
    for (int i = 0; i < n; i++) {
      order[i] = ((long) Float.floatToRawIntBits((float) k[i]) << 32) | i;
    }
    Arrays.sort(order, 0, n);
    // Walk the pieces: below the next k, the saturated coordinates give `saturated` and the others
    // grow with slope `slope`.
    double saturated = 0;
    for (int j = 0; j < n; j++) {
      int i = (int) order[j];
      if (slope > 0) {
        double lambda = (target - saturated) / slope;
        if (lambda <= k[i]) {
          return Math.max(lambda, 0);
        }
      }
      saturated += a[i] * k[i];
      slope -= a[i];
    }
    // Only reached through rounding (target < full): the last piece.
    return Double.POSITIVE_INFINITY;
  }

  /** Per-thread working arrays for samples of {@code n} values. */
  static final class Scratch {
    final double[] a;
    final double[] k;
    final long[] order;

    Scratch(int n) {
      a = new double[n];
      k = new double[n];
      order = new long[n];
    }
  }
}
