package io.adversarialprune.udfs.prune;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The study's weight prune kinds. Declaration order is the order in which a composite spec
 * applies its steps: {@link #E}, then {@link #S}, then {@link #R}.
 */
public enum PruneType {
  /** No change to the weights. */
  NONE,
  /** Zero small weights: {@code w = 0 where |w| < E}. */
  E,
  /** Clamp large weights to {@code [mean - S*std, mean + S*std]} of the original tensor. */
  S,
  /** Random perturbation: {@code w = w + U[-R, R]}. */
  R;

  /**
   * Parses a type name case-insensitively.
   *
   * @throws IllegalArgumentException naming the allowed values when the name is unknown
   */
  public static PruneType parse(String name) {
    if (name == null) {
      throw new IllegalArgumentException("prune type must be one of " + allowed() + ", got null");
    }
    String key = name.trim().toUpperCase(Locale.ROOT);
    for (PruneType t : values()) {
      if (t.name().equals(key)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "prune type must be one of " + allowed() + " (case-insensitive), got '" + name + "'");
  }

  private static String allowed() {
    return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ", "[", "]"));
  }
}
