package io.adversarialprune.job.plan;

import io.adversarialprune.job.config.TransferTarget;
import io.adversarialprune.udfs.prune.PruneSpec;
import io.adversarialprune.udfs.prune.PruneStep;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * One config of the grid, before attacks, seeds and shards: a prune spec applied to the source
 * model (white-box: the pruned model is attacked and judged), or a transfer target (the unpruned
 * source is attacked, the target judges). Immutable value; travels to executors inside each {@link
 * Unit}, so an executor never looks anything up by label.
 *
 * @param id path-safe id, e.g. {@code none}, {@code E_0.01}, {@code E_0.01+R_0.001}, {@code
 *     transfer-int8}
 * @param order position in the grid (for display)
 * @param prune what is done to the source's weights ({@link PruneSpec#none()} for transfer)
 * @param target the judged model of a transfer config, else null
 */
public record ConfigEntry(String id, int order, PruneSpec prune, TransferTarget target)
    implements Serializable {

  public ConfigEntry {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(prune, "prune");
    if (target != null && !prune.steps().isEmpty()) {
      throw new IllegalArgumentException("a transfer config attacks the unpruned source: " + id);
    }
  }

  /** A white-box config of the grid. */
  public static ConfigEntry pruned(PruneSpec spec, int order) {
    return new ConfigEntry(id(spec.label()), order, spec, null);
  }

  /** A transfer config: images crafted on the unpruned source, judged by {@code target}. */
  public static ConfigEntry transfer(TransferTarget target, int order) {
    return new ConfigEntry("transfer-" + target.name(), order, PruneSpec.none(), target);
  }

  /** "E=0.01+R=0.001" to "E_0.01+R_0.001": safe in paths, stable. */
  public static String id(String pruneLabel) {
    return pruneLabel.replace('=', '_');
  }

  /** The prune spec's label: {@code baseline}, {@code E=0.01}, {@code E=0.01+R=0.001}. */
  public String pruneLabel() {
    return prune.label();
  }

  /** {@code baseline}, the single step's type, {@code composite}, or {@code transfer}. */
  public String pruneType() {
    if (target != null) {
      return "transfer";
    }
    List<PruneStep> steps = prune.steps();
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
    if (target != null || steps.size() > 1) {
      return null;
    }
    return steps.isEmpty() ? 0.0 : steps.get(0).value();
  }

  /** The transfer target's name, or null for a white-box config. */
  public String targetName() {
    return target == null ? null : target.name();
  }
}
