package io.adversarialprune.udfs.prune;

import java.util.List;

/**
 * Per-parameter results of one prune, in the model's parameter order.
 *
 * @param parameters one entry per model parameter, pruned or not (filtered-out parameters report 0
 *     changed); the ratio's denominator is all parameter elements, as in the study
 */
public record PruneReport(List<ParameterStats> parameters) implements java.io.Serializable {

  public PruneReport {
    parameters = List.copyOf(parameters);
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
