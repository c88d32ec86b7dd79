package io.adversarialprune.job.probe;

import io.adversarialprune.udfs.check.Platform;
import java.time.Instant;

/**
 * The outcome of an engine check run uncapped ({@code ONEDNN_MAX_CPU_ISA=ALL}) in a child process.
 *
 * @param passed whether every check passed uncapped
 * @param detail the check's figures, or its problem when it failed, in words
 * @param checkedAt when the check ran
 */
public record ProbeVerdict(boolean passed, String detail, Instant checkedAt) {

  /** No cap: the engine may use its full ISA (the uncapped check passed). */
  public static final String UNCAPPED = "ALL";

  /** The cap the launchers used on every CPU before the probe, and still use where it fails. */
  public static final String CAPPED = "AVX2";

  /** Validates the fields. */
  public ProbeVerdict {
    if (detail == null || checkedAt == null) {
      throw new IllegalArgumentException("engine probe verdict needs a detail and a time");
    }
  }

  /** The value of {@link Platform#ISA_CAP_VARIABLE} the launchers set for this verdict. */
  public String isaCap() {
    return passed ? UNCAPPED : CAPPED;
  }

  /** {@code ONEDNN_MAX_CPU_ISA=...}, the line the launchers read. */
  public String environmentLine() {
    return Platform.ISA_CAP_VARIABLE + "=" + isaCap();
  }
}
