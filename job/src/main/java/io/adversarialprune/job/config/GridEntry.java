package io.adversarialprune.job.config;

import io.adversarialprune.udfs.prune.ClampSpec;
import io.adversarialprune.udfs.prune.PruneSpec;
import java.io.Serializable;
import java.util.Objects;

/**
 * One config of {@code sweep.grid} on its two axes: what is done to the weights, and whether the
 * feature maps are clamped (grid kind A).
 *
 * @param prune the weight prune ({@link PruneSpec#none()} for none)
 * @param clamp the feature-map clamp, or null for none
 */
public record GridEntry(PruneSpec prune, ClampSpec clamp) implements Serializable {

  public GridEntry {
    Objects.requireNonNull(prune, "prune");
  }

  /**
   * {@code baseline}, {@code E=0.01}, {@code A=3}, {@code E=0.01+A=3}: see {@link ClampSpec#label}.
   */
  public String label() {
    return ClampSpec.label(prune, clamp);
  }
}
