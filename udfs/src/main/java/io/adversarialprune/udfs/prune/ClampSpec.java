package io.adversarialprune.udfs.prune;

/**
 * A feature-map (activation) clamp, grid kind {@code A}: no weight changes; every selected probed
 * layer's output is clamped to {@code [mean - A*std, mean + A*std]} of its clean activations, per
 * channel, calibrated on images that are not attacked ({@link ActivationClamp}) on the model as its
 * weight prune ({@link PruneSpec}) left it. Needs a model exported with probes. Its own axis beside
 * the weight prune: a config is a {@link PruneSpec} and, optionally, a clamp.
 *
 * @param multiple the multiple {@code A} of each channel's activation std, finite and {@code > 0}
 */
public record ClampSpec(double multiple) implements java.io.Serializable {

  /** The grid key, the label's prefix ({@code A=3}) and the results' {@code prune_type}. */
  public static final String KIND = "A";

  public ClampSpec {
    if (!Double.isFinite(multiple)) {
      throw new IllegalArgumentException(
          "prune value for " + KIND + " must be finite, got " + multiple);
    }
    if (multiple <= 0) {
      throw new IllegalArgumentException(
          "prune value for "
              + KIND
              + " is the multiple of the activations' std that bounds the clamp and must be"
              + " > 0, got "
              + multiple);
    }
  }

  /** {@code "A=3"}, {@code "A=0.5"}: the kind and the multiple in its shortest plain form. */
  public String label() {
    return KIND + "=" + PruneStep.shortForm(multiple);
  }

  /**
   * The label of a config: the weight prune's label, then {@code +} and the clamp's when there is
   * one ({@code E=0.01+A=3}); the clamp's alone over no weight prune ({@code A=3}).
   *
   * @param clamp null for no clamp
   */
  public static String label(PruneSpec weights, ClampSpec clamp) {
    if (clamp == null) {
      return weights.label();
    }
    return weights.steps().isEmpty() ? clamp.label() : weights.label() + "+" + clamp.label();
  }
}
