package io.adversarialprune.job.plan;

import io.adversarialprune.job.config.GridEntry;
import io.adversarialprune.job.config.TransferTarget;
import io.adversarialprune.udfs.prune.ClampSpec;
import io.adversarialprune.udfs.prune.PruneSpec;
import io.adversarialprune.udfs.prune.PruneStep;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * One config of the grid, before attacks, seeds and shards: a prune spec applied to the source
 * model's weights and, optionally, a feature-map clamp around it (white-box: the pruned, clamped
 * model is attacked and judged), or a transfer target (the unpruned source is attacked, the target
 * judges). Immutable value; travels to executors inside each {@link Unit}, so an executor never
 * looks anything up by label.
 *
 * @param id path-safe id, e.g. {@code none}, {@code E_0.01}, {@code E_0.01+R_0.001}, {@code
 *     transfer-int8}
 * @param order position in the grid (for display)
 * @param prune what is done to the source's weights ({@link PruneSpec#none()} for transfer)
 * @param clamp the feature-map clamp of the pruned source, or null for none (always for transfer)
 * @param target the judged model of a transfer config, else null
 */
public record ConfigEntry(
    String id, int order, PruneSpec prune, ClampSpec clamp, TransferTarget target)
    implements Serializable {

  public ConfigEntry {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(prune, "prune");
    if (target != null && (!prune.steps().isEmpty() || clamp != null)) {
      throw new IllegalArgumentException("a transfer config attacks the unpruned source: " + id);
    }
  }

  /** A white-box config of the grid. */
  public static ConfigEntry pruned(GridEntry entry, int order) {
    return new ConfigEntry(id(entry.label()), order, entry.prune(), entry.clamp(), null);
  }

  /** A transfer config: images crafted on the unpruned source, judged by {@code target}. */
  public static ConfigEntry transfer(TransferTarget target, int order) {
    return new ConfigEntry("transfer-" + target.name(), order, PruneSpec.none(), null, target);
  }

  /** Whether this is the original source model, white-box: no weight prune and no clamp. */
  public boolean unchanged() {
    return target == null && prune.steps().isEmpty() && clamp == null;
  }

  /** "E=0.01+R=0.001" to "E_0.01+R_0.001": safe in paths, stable. */
  public static String id(String pruneLabel) {
    return pruneLabel.replace('=', '_');
  }

  /**
   * The label of the prune and clamp: {@code baseline}, {@code E=0.01}, {@code E=0.01+R=0.001},
   * {@code A=3}, {@code E=0.01+A=3} ({@link ClampSpec#label(PruneSpec, ClampSpec)}).
   */
  public String pruneLabel() {
    return ClampSpec.label(prune, clamp);
  }

  /**
   * {@code baseline}, the single step's type ({@code A} for a clamp alone), {@code composite} (a
   * clamp counts as a step), or {@code transfer}.
   */
  public String pruneType() {
    if (target != null) {
      return "transfer";
    }
    List<PruneStep> steps = prune.steps();
    if (clamp != null) {
      return steps.isEmpty() ? ClampSpec.KIND : "composite";
    }
    return steps.isEmpty()
        ? PruneSpec.BASELINE
        : steps.size() == 1 ? steps.get(0).type().name() : "composite";
  }

  /**
   * The value of a single-step spec; 0 for the baseline, so that a curve against E's (R's, a torch
   * kind's amount) value starts at the baseline with no special case; else null (composites,
   * transfer).
   */
  public Double pruneValue() {
    List<PruneStep> steps = prune.steps();
    if (target != null || steps.size() + (clamp == null ? 0 : 1) > 1) {
      return null;
    }
    if (clamp != null) {
      return clamp.multiple();
    }
    return steps.isEmpty() ? 0.0 : steps.get(0).value();
  }

  /** The transfer target's name, or null for a white-box config. */
  public String targetName() {
    return target == null ? null : target.name();
  }
}
