package io.adversarialprune.udfs.exec;

import io.adversarialprune.udfs.anatomy.LayerStats;
import io.adversarialprune.udfs.metrics.OutcomeCounts;
import io.adversarialprune.udfs.metrics.SampleOutcome;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result of one unit: one attack on one shard. Immutable value.
 *
 * @param samples one outcome per sample, in shard order
 * @param counts the counts of {@code samples}
 * @param seconds wall-clock seconds the attack and evaluation took
 * @param adversarial the adversarial images of {@code samples}, in their order (NCHW, [0, 1]), when
 *     they were asked for, else null
 * @param layers layer anatomy, when it was asked for: per probed layer, in network order, how the
 *     attack changed its activations over all samples; else empty
 */
public record UnitResult(
    List<SampleOutcome> samples,
    OutcomeCounts counts,
    double seconds,
    float[] adversarial,
    Map<String, LayerStats> layers) {

  /** Copies the sample list and the layers (keeping their order). */
  public UnitResult {
    samples = List.copyOf(samples);
    layers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
  }
}
