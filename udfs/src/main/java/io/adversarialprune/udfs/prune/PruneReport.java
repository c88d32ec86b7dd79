package io.adversarialprune.udfs.prune;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-parameter results of one prune, in the model's parameter order, and per clamped layer the
 * calibration of a feature-map clamp ({@link ClampSpec}).
 *
 * @param parameters one entry per model parameter, pruned or not (filtered-out parameters report 0
 *     changed); the ratio's denominator is all parameter elements, as in the study
 * @param clamps one entry per clamped layer, in network order, named {@code clamp:LAYER} (see
 *     {@link ActivationClamp}); empty without A. Not part of {@link #elements()}, {@link
 *     #changed()} or {@link #ratio()}: those count weights
 */
public record PruneReport(List<ParameterStats> parameters, List<ParameterStats> clamps)
    implements java.io.Serializable {

  public PruneReport {
    parameters = List.copyOf(parameters);
    clamps = List.copyOf(clamps);
  }

  /** A report of weights only. */
  public PruneReport(List<ParameterStats> parameters) {
    this(parameters, List.of());
  }

  /** This report with the clamp's layers. */
  public PruneReport withClamps(List<ParameterStats> layers) {
    return new PruneReport(parameters, layers);
  }

  /** Every row of the {@code prune_stats} table: the parameters, then the clamped layers. */
  public List<ParameterStats> rows() {
    List<ParameterStats> out = new ArrayList<>(parameters);
    out.addAll(clamps);
    return List.copyOf(out);
  }

  /** All parameter elements of the model. */
  public long elements() {
    return parameters.stream().mapToLong(ParameterStats::elements).sum();
  }

  /** Elements changed by any step, each counted once. */
  public long changed() {
    return parameters.stream().mapToLong(ParameterStats::changed).sum();
  }

  /** The study's prune ratio: changed / all parameter elements (0 for an empty model). */
  public double ratio() {
    long n = elements();
    return n == 0 ? 0.0 : (double) changed() / n;
  }
}
