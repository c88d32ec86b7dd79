package io.adversarialprune.udfs.prune;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Prune kinds: the weight kinds, the study's E, S and R and those of {@code torch.nn.utils.prune}
 * and {@code torch.fake_quantize_*} (L1, L1G, LN1, LN2, RANDOM, Q, QC). The name is the grid key,
 * the label's prefix ({@code L1G=0.5}) and the results' {@code prune_type}; all are path-safe. The
 * feature-map clamp, grid kind A, changes no weight and is no prune type: see {@link ClampSpec}.
 *
 * <p>Declaration order is the order in which a composite spec applies its steps: the study's E, S,
 * R first, then the mask kinds L1, L1G, LN1, LN2, RANDOM, and quantization (Q or QC), so that a
 * quantized model is the last word on the weights the forward pass uses.
 *
 * <p>The study's kinds touch every selected parameter, as the study did. The torch kinds touch only
 * the selected parameters that {@link #selectsOnlyMatrixWeights() are conv or linear weights}, as
 * torch's utilities are normally applied.
 */
public enum PruneType {
  /** No change to the weights. */
  NONE(ValueKind.NONE),
  /** Zero small weights: {@code w = 0 where |w| < E}. */
  E(ValueKind.MAGNITUDE),
  /** Clamp large weights to {@code [mean - S*std, mean + S*std]} of the original tensor. */
  S(ValueKind.MAGNITUDE),
  /** Random perturbation: {@code w = w + U[-R, R]}. */
  R(ValueKind.MAGNITUDE),
  /**
   * {@code prune.l1_unstructured(module, "weight", amount)}: per tensor, zero the {@code
   * round(amount * n)} entries of smallest {@code |w|}.
   */
  L1(ValueKind.AMOUNT),
  /**
   * {@code prune.global_unstructured(params, L1Unstructured, amount)}: zero the {@code round(amount
   * * N)} entries of smallest {@code |w|} over all eligible tensors together.
   */
  L1G(ValueKind.AMOUNT),
  /**
   * {@code prune.ln_structured(module, "weight", amount, n=1, dim=0)}: per tensor, zero the {@code
   * round(amount * C)} output channels (dim 0) of smallest L1 norm.
   */
  LN1(ValueKind.AMOUNT),
  /** As {@link #LN1} with the L2 norm ({@code n=2}). */
  LN2(ValueKind.AMOUNT),
  /**
   * {@code prune.random_unstructured} in spirit: per tensor, zero {@code round(amount * n)} entries
   * chosen uniformly at random, seeded by (seed, parameter name); the control for whether magnitude
   * matters.
   */
  RANDOM(ValueKind.AMOUNT),
  /**
   * Symmetric fake quantization to {@code Q} bits, one scale per tensor: {@code
   * torch.fake_quantize_per_tensor_affine(w, max|w| / qmax, 0, qmin, qmax)}.
   */
  Q(ValueKind.BITS),
  /**
   * Symmetric fake quantization to {@code QC} bits, one scale per output channel (dim 0): {@code
   * torch.fake_quantize_per_channel_affine(w, scales, zeros, 0, qmin, qmax)}.
   */
  QC(ValueKind.BITS);

  /** What a step's value means, and which values are valid. */
  enum ValueKind {
    NONE,
    /** A threshold or amplitude: finite and {@code >= 0}. */
    MAGNITUDE,
    /** A fraction of elements or channels: in {@code [0, 1]}. */
    AMOUNT,
    /** A number of bits: an integer in {@code [MIN_BITS, MAX_BITS]}. */
    BITS
  }

  /** Fewest quantization bits: 2 bits hold the levels -2 to 1. */
  public static final int MIN_BITS = 2;

  /** Most quantization bits. */
  public static final int MAX_BITS = 16;

  private final ValueKind valueKind;

  PruneType(ValueKind valueKind) {
    this.valueKind = valueKind;
  }

  ValueKind valueKind() {
    return valueKind;
  }

  /**
   * True for the torch kinds: they touch only parameters whose name ends in {@code weight} and
   * whose rank is at least 2 (conv and linear weights; batch-norm weights are rank 1), within the
   * spec's include/exclude filters. False for the study's kinds, which touch every selected
   * parameter.
   */
  public boolean selectsOnlyMatrixWeights() {
    return valueKind == ValueKind.AMOUNT || valueKind == ValueKind.BITS;
  }

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
