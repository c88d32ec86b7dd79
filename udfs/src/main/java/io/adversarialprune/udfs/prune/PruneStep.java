package io.adversarialprune.udfs.prune;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One prune step: a type and its value.
 *
 * @param type the prune kind
 * @param value what it means depends on the type: for E, S and R a threshold, a multiple of the std
 *     or a noise amplitude, finite and {@code >= 0}; for L1, L1G, LN1, LN2 and RANDOM the amount,
 *     the fraction of elements (channels for LN1/LN2) to zero, in {@code [0, 1]}; for Q and QC the
 *     number of bits, an integer in {@code [2, 16]} (8: int8); 0 for {@link PruneType#NONE}
 */
public record PruneStep(PruneType type, double value) implements java.io.Serializable {

  public PruneStep {
    Objects.requireNonNull(type, "prune type must not be null");
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException(
          "prune value for " + type + " must be finite, got " + value);
    }
    switch (type.valueKind()) {
      case NONE -> {
        if (value != 0) {
          throw new IllegalArgumentException("prune value for NONE must be 0, got " + value);
        }
      }
      case MAGNITUDE -> {
        if (value < 0) {
          throw new IllegalArgumentException(
              "prune value for " + type + " must be >= 0, got " + value);
        }
      }
      case AMOUNT -> {
        if (value < 0 || value > 1) {
          throw new IllegalArgumentException(
              "prune value for "
                  + type
                  + " is the fraction to prune and must be in [0, 1], got "
                  + value);
        }
      }
      case BITS -> {
        if (value != Math.rint(value) || value < PruneType.MIN_BITS || value > PruneType.MAX_BITS) {
          throw new IllegalArgumentException(
              "prune value for "
                  + type
                  + " is the number of bits and must be an integer in ["
                  + PruneType.MIN_BITS
                  + ", "
                  + PruneType.MAX_BITS
                  + "], got "
                  + value);
        }
      }
    }
  }

  /**
   * {@code "E=0.01"}, {@code "S=3"}, {@code "L1G=0.5"}, {@code "QC=8"}, {@code "baseline"}: the
   * type's name and the value in its shortest plain form; path-safe once {@code =} is replaced.
   */
  public String label() {
    return type == PruneType.NONE ? PruneSpec.BASELINE : type + "=" + shortForm(value);
  }

  /** Stable short decimal form: 0.01 -> "0.01", 3.0 -> "3", 1e-5 -> "0.00001". */
  static String shortForm(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }
}
