package io.adversarialprune.udfs.prune;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One prune step: a type and its value (E threshold, S multiple of std, or R noise amplitude).
 *
 * @param type the prune kind
 * @param value finite and {@code >= 0}; must be 0 for {@link PruneType#NONE}
 */
public record PruneStep(PruneType type, double value) implements java.io.Serializable {

  public PruneStep {
    Objects.requireNonNull(type, "prune type must not be null");
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException(
          "prune value for " + type + " must be finite, got " + value);
    }
    if (value < 0) {
      throw new IllegalArgumentException(
          "prune value for " + type + " must be >= 0, got " + value);
    }
    if (type == PruneType.NONE && value != 0) {
      throw new IllegalArgumentException("prune value for NONE must be 0, got " + value);
    }
  }

  /** {@code "E=0.01"}, {@code "S=3"}, {@code "none"}: the value in its shortest plain form. */
  public String label() {
    return type == PruneType.NONE ? "none" : type + "=" + shortForm(value);
  }

  /** Stable short decimal form: 0.01 -> "0.01", 3.0 -> "3", 1e-5 -> "0.00001". */
  static String shortForm(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }
}
