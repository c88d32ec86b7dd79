package io.adversarialprune.job.report;

import java.util.Arrays;
import org.apache.spark.sql.Row;

/**
 * Robust accuracy against eps from one run, for one config and one attack that records per-sample
 * distances (FAB-T, autoattack): a sample is robust at eps when it was classified correctly and the
 * smallest adversarial perturbation the attack found for it ({@code samples.min_distance}) is
 * larger than eps, or none was found. An upper bound on the true robust accuracy at every eps (a
 * sample counts as robust until an adversarial that small was found); for autoattack, a sample an
 * APGD member broke carries that member's distance, at most the entry's eps but not minimized.
 * Immutable.
 *
 * @param configId the config
 * @param prune its label
 * @param attack the attack's name
 * @param total samples over the run's seeds and shards
 * @param correct of them, classified correctly
 * @param distances the clean-correct samples' distances that were found, ascending
 */
public record RobustnessCurve(
    String configId, String prune, String attack, long total, long correct, float[] distances) {

  /** The robust accuracy at {@code eps}: correct samples without a distance {@code <= eps}. */
  public double robustAt(double eps) {
    int fallen = 0;
    while (fallen < distances.length && distances[fallen] <= eps) {
      fallen++;
    }
    return total == 0 ? 0 : (double) (correct - fallen) / total;
  }

  /**
   * From a row of {@code config_id, prune, attack, total, correct, distances} (an array of floats,
   * any order), as {@link ReportLoader} selects it.
   */
  static RobustnessCurve from(Row r) {
    java.util.List<Object> list = r.getList(5);
    float[] d = new float[list.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = ((Number) list.get(i)).floatValue();
    }
    Arrays.sort(d);
    return new RobustnessCurve(
        r.getString(0), r.getString(1), r.getString(2), r.getLong(3), r.getLong(4), d);
  }
}
