package io.adversarialprune.udfs.exec;

import io.adversarialprune.udfs.metrics.OutcomeCounts;
import io.adversarialprune.udfs.metrics.SampleOutcome;
import java.util.List;

/**
 * The result of one row on one shard. Immutable value.
 *
 * @param samples one outcome per sample, in shard order
 * @param counts the counts of {@code samples}
 * @param seconds wall-clock seconds the attack and evaluation took
 */
public record RowResult(List<SampleOutcome> samples, OutcomeCounts counts, double seconds) {

  /** Copies the sample list. */
  public RowResult {
    samples = List.copyOf(samples);
  }
}
