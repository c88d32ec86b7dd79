package io.adversarialprune.udfs.prune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * What to do to the weights in one run: up to one step per {@link PruneType}, an optional
 * parameter-name filter, and whether S is gated by the normality test.
 *
 * <p>Steps are stored sorted in application order, the declaration order of {@link PruneType} (E,
 * S, R, L1, L1G, LN1, LN2, RANDOM, then Q or QC), whatever order they were given in; {@link
 * PruneType#NONE} steps are dropped (they change nothing). Q and QC do not combine: a model is
 * quantized once.
 *
 * @param steps at most one per type, not both Q and QC; stored sorted, without NONE
 * @param include optional Java regex; a parameter is eligible only if it is found in its name
 *     ({@link java.util.regex.Matcher#find()}); null = all parameters
 * @param exclude optional Java regex; a parameter whose name it is found in is never pruned. The
 *     torch kinds further restrict themselves to conv and linear weights (see {@link
 *     #selects(PruneType, String, int)})
 * @param normalityGate when true (the study's code) S clamps only tensors whose D'Agostino-Pearson
 *     normaltest p-value is below {@value #NORMALITY_ALPHA}, i.e. tensors that are NOT normal (the
 *     study's comment says the opposite; its code does this). Tensors with fewer than 8 elements
 *     have no p-value and are never clamped while the gate is on.
 */
public record PruneSpec(
    List<PruneStep> steps, String include, String exclude, boolean normalityGate)
    implements java.io.Serializable {

  /** The study's threshold: {@code if p < 1e-5: clamp}. */
  public static final double NORMALITY_ALPHA = 1e-5;

  public PruneSpec {
    if (steps == null) {
      throw new IllegalArgumentException("prune steps must not be null");
    }
    Set<PruneType> seen = EnumSet.noneOf(PruneType.class);
    List<PruneStep> kept = new ArrayList<>();
    for (PruneStep step : steps) {
      if (step == null) {
        throw new IllegalArgumentException("prune steps must not contain null: " + steps);
      }
      if (!seen.add(step.type())) {
        throw new IllegalArgumentException(
            "duplicate prune step type "
                + step.type()
                + " in "
                + steps
                + " (at most one step per type)");
      }
      if (step.type() != PruneType.NONE) {
        kept.add(step);
      }
    }
    if (seen.contains(PruneType.Q) && seen.contains(PruneType.QC)) {
      throw new IllegalArgumentException(
          "prune steps Q and QC do not combine (a model is quantized once): " + steps);
    }
    kept.sort(Comparator.comparing(PruneStep::type));
    steps = List.copyOf(kept);
    checkRegex("include", include);
    checkRegex("exclude", exclude);
  }

  /** No prune at all: the original model. */
  public static PruneSpec none() {
    return new PruneSpec(List.of(), null, null, true);
  }

  /** The given steps, the study's normality gate on, no name filters. */
  public static PruneSpec of(PruneStep... steps) {
    return new PruneSpec(List.of(steps), null, null, true);
  }

  /** The label of the spec with no steps, the original model: the study's "baseline". */
  public static final String BASELINE = "baseline";

  /**
   * {@code "baseline"}, {@code "E=0.01"}, {@code "E=0.01+R=0.001"}, {@code "L1G=0.5+Q=8"} (steps in
   * application order).
   */
  public String label() {
    if (steps.isEmpty()) {
      return BASELINE;
    }
    return steps.stream().map(PruneStep::label).collect(Collectors.joining("+"));
  }

  /** Whether the parameter with this name is pruned under the include/exclude filters. */
  public boolean selects(String parameterName) {
    return (include == null || Pattern.compile(include).matcher(parameterName).find())
        && (exclude == null || !Pattern.compile(exclude).matcher(parameterName).find());
  }

  /**
   * Whether a step of {@code type} touches the parameter {@code parameterName} of rank {@code
   * rank}: the include/exclude filters for every type; for the torch kinds ({@link
   * PruneType#selectsOnlyMatrixWeights()}) also a name ending in {@code weight} and rank >= 2, i.e.
   * conv and linear weights but not batch-norm weights or biases.
   */
  public boolean selects(PruneType type, String parameterName, int rank) {
    if (!selects(parameterName)) {
      return false;
    }
    return !type.selectsOnlyMatrixWeights() || (parameterName.endsWith("weight") && rank >= 2);
  }

  private static void checkRegex(String field, String regex) {
    if (regex == null) {
      return;
    }
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(
          "prune " + field + " is not a valid regex: '" + regex + "': " + e.getDescription(), e);
    }
  }
}
