package io.adversarialprune.job.report;

import org.apache.spark.sql.Row;

/**
 * One row of {@code engine_checks} as the report shows it.
 *
 * @param rmsError the gated figure: root-mean-square relative gradient error
 * @param problem why the check failed; null when it passed
 */
public record EngineCheckLine(
    String executor,
    String device,
    String platform,
    String isaCap,
    String memoryFormat,
    int batchSize,
    int threads,
    double rmsError,
    double medianError,
    double maxError,
    double logitsError,
    boolean passed,
    String problem,
    String policy) {

  /** From an {@code engine_checks} row. */
  static EngineCheckLine from(Row r) {
    return new EngineCheckLine(
        r.getAs("executor"),
        r.getAs("device"),
        r.getAs("platform"),
        r.getAs("isa_cap"),
        r.getAs("memory_format"),
        r.<Integer>getAs("batch_size"),
        r.<Integer>getAs("threads"),
        r.<Double>getAs("gradient_rms_error"),
        r.<Double>getAs("gradient_median_error"),
        r.<Double>getAs("gradient_max_error"),
        r.<Double>getAs("logits_error"),
        r.<Boolean>getAs("passed"),
        r.getAs("problem"),
        r.getAs("policy"));
  }
}
