package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import io.adversarialprune.udfs.config.ConfigProblems;
import java.io.Serializable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code sweep.prune}: options shared by every spec of the grid.
 *
 * @param normalityGate S clamps only tensors that fail the normality test
 * @param include regex on parameter names, or null
 * @param exclude regex on parameter names, or null
 * @param clampLayers the feature-map clamp's layers (grid kind A): a regex matched against whole
 *     probe names, "" = every probed layer but logits
 * @param calibrationImages how many images, right after the attacked ones, calibrate the clamp
 */
public record PruneOptions(
    boolean normalityGate,
    String include,
    String exclude,
    String clampLayers,
    int calibrationImages)
    implements Serializable {
  /** Reads and validates the block; every problem goes to {@code problems}, the block's view. */
  static PruneOptions from(Config p, ConfigProblems problems) {
    String include = regex(p.getString("include"), "include", problems);
    String exclude = regex(p.getString("exclude"), "exclude", problems);
    String clampLayers = p.getString("clamp-layers");
    regex(clampLayers, "clamp-layers", problems);
    int calibrationImages = p.getInt("calibration-images");
    if (calibrationImages < 1) {
      problems.add("calibration-images", "must be >= 1, got " + calibrationImages);
    }
    return new PruneOptions(
        p.getBoolean("normality-gate"), include, exclude, clampLayers, calibrationImages);
  }

  private static String regex(String value, String key, ConfigProblems problems) {
    if (value.isEmpty()) {
      return null;
    }
    try {
      Pattern.compile(value);
    } catch (PatternSyntaxException e) {
      problems.add(key, "is not a valid regular expression: " + e.getDescription());
    }
    return value;
  }
}
