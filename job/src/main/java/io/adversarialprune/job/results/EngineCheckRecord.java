package io.adversarialprune.job.results;

import io.adversarialprune.udfs.check.CheckPolicy;
import io.adversarialprune.udfs.check.EngineCheck;
import java.io.Serializable;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * One {@link EngineCheck} as an executor ran it: where (executor, host, device in words, the oneDNN
 * ISA cap of its process), under which policy, and the figures. A row of the {@code engine_checks}
 * table. Immutable; travels from executors to the driver.
 *
 * @param executor Spark executor id ({@code driver} in local mode)
 * @param host the executor's host name
 * @param platform the CPU model and ISA flags, or the CUDA device
 * @param isaCap the process's {@code ONEDNN_MAX_CPU_ISA}, or {@code none}
 * @param policy what a failure does ({@code sweep.engine.check.mode})
 * @param report the figures
 * @param checkedAt when the check ran
 */
public record EngineCheckRecord(
    String executor,
    String host,
    String platform,
    String isaCap,
    CheckPolicy policy,
    EngineCheck.Report report,
    Instant checkedAt)
    implements Serializable {

  /** The {@code engine_checks} table's columns. */
  public static final StructType SCHEMA =
      StructType.fromDDL(
          "sweep STRING, run_id STRING, executor STRING, host STRING, device STRING, "
              + "platform STRING, isa_cap STRING, memory_format STRING, threads INT, "
              + "batch_size INT, samples INT, directions INT, gradient_max_error DOUBLE, "
              + "gradient_median_error DOUBLE, gradient_rms_error DOUBLE, logits_error DOUBLE, "
              + "passed BOOLEAN, problem STRING, policy STRING, seconds DOUBLE, "
              + "checked_at TIMESTAMP");

  /** This check as a row of {@link #SCHEMA}. */
  public Row row(String sweep, String runId) {
    EngineCheck.Report r = report;
    return Tables.ENGINE_CHECKS
        .row()
        .set("sweep", sweep)
        .set("run_id", runId)
        .set("executor", executor)
        .set("host", host)
        .set("device", r.device())
        .set("platform", platform)
        .set("isa_cap", isaCap)
        .set("memory_format", r.memoryFormat())
        .set("threads", r.threads())
        .set("batch_size", r.batchSize())
        .set("samples", r.samples())
        .set("directions", r.directions())
        .set("gradient_max_error", r.gradientMaxError())
        .set("gradient_median_error", r.gradientMedianError())
        .set("gradient_rms_error", r.gradientRmsError())
        .set("logits_error", r.logitsError())
        .set("passed", r.passed())
        .set("problem", r.problem())
        .set("policy", policy.configName())
        .set("seconds", r.seconds())
        .set("checked_at", Timestamp.from(checkedAt))
        .build();
  }

  /** Rows of {@link #SCHEMA} for {@code records}. */
  public static List<Row> rows(List<EngineCheckRecord> records, String sweep, String runId) {
    return records.stream().map(r -> r.row(sweep, runId)).toList();
  }

  /** Where and on what, in words, for logs and messages. */
  public String where() {
    return "executor "
        + executor
        + " on "
        + host
        + " ("
        + report.device()
        + ", "
        + platform
        + ", oneDNN ISA cap "
        + isaCap
        + ")";
  }
}
