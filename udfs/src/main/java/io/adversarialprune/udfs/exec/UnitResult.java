package io.adversarialprune.udfs.exec;

import io.adversarialprune.udfs.metrics.OutcomeCounts;
import io.adversarialprune.udfs.metrics.SampleOutcome;
import java.util.List;

/**
 * The result of one unit: one attack on one shard. Immutable value.
 *
 * @param samples one outcome per sample, in shard order
 * @param counts the counts of {@code samples}
 * @param seconds wall-clock seconds the attack and evaluation took
 * @param adversarial the adversarial images of {@code samples}, in their order (NCHW, [0, 1]), when
 *     they were asked for, else null
 */
public record UnitResult(
    List<SampleOutcome> samples, OutcomeCounts counts, double seconds, float[] adversarial) {

  /** Copies the sample list. */
  public UnitResult {
    samples = List.copyOf(samples);
  }
}
