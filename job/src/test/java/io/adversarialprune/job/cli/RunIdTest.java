package io.adversarialprune.job.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** --run-id: given, @date (the nightly schedule's id), or the current time. */
class RunIdTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-01-31T02:15:07Z"), ZoneOffset.UTC);

  @Test
  void dateRunIdIsTodaysIsoDate() {
    assertThat(RunCommand.resolveRunId("@date", CLOCK)).isEqualTo("2026-01-31");
    assertThat(RunCommand.resolveRunId("r1", CLOCK)).isEqualTo("r1");
    assertThat(RunCommand.resolveRunId(null, CLOCK)).isEqualTo("20260131-021507");
  }
}
