package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import java.io.Serializable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** {@code sweep.prune}: options shared by every spec of the grid. */
public record PruneOptions(boolean normalityGate, String include, String exclude)
    implements Serializable {
  /** Reads and validates the block. */
  static PruneOptions from(Config p) {
    String include = regex(p.getString("include"), "sweep.prune.include");
    String exclude = regex(p.getString("exclude"), "sweep.prune.exclude");
    return new PruneOptions(p.getBoolean("normality-gate"), include, exclude);
  }

  private static String regex(String value, String key) {
    if (value.isEmpty()) {
      return null;
    }
    try {
      Pattern.compile(value);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(
          key + " is not a valid regular expression: " + e.getDescription());
    }
    return value;
  }
}
