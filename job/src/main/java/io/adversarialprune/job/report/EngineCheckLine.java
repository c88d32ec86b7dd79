package io.adversarialprune.job.report;

import io.adversarialprune.job.report.RowRecords.Column;

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
    @Column("gradient_rms_error") double rmsError,
    @Column("gradient_median_error") double medianError,
    @Column("gradient_max_error") double maxError,
    double logitsError,
    boolean passed,
    String problem,
    String policy) {}
