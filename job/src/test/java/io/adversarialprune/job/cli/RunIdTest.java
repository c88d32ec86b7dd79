package io.adversarialprune.job.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --run-id: given, @date (the nightly schedule's id), or the current time; checked at start-up. */
class RunIdTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-01-31T02:15:07Z"), ZoneOffset.UTC);

  @TempDir Path tmp;

  @Test
  void dateRunIdIsTodaysIsoDate() {
    assertThat(RunCommand.resolveRunId("@date", CLOCK)).isEqualTo("2026-01-31");
    assertThat(RunCommand.resolveRunId("r1", CLOCK)).isEqualTo("r1");
    assertThat(RunCommand.resolveRunId(null, CLOCK)).isEqualTo("20260131-021507");
  }

  @Test
  void aRunIdTooLongForAFileNameExitsTwoBeforeAnythingIsWritten() {
    Path results = tmp.resolve("results");
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    // Refused before the config is read or a Spark session exists: no model, no data needed.
    int code = cli.execute("run", "--results", results.toString(), "--run-id", "a".repeat(250));
    assertThat(code).as(err.toString()).isEqualTo(2);
    assertThat(err.toString()).contains("--run-id must be at most 100 characters", "got 250");
    assertThat(results).doesNotExist();
  }

  @Test
  void aRunIdStartingWithAHyphenSaysTheFirstCharacterMustBeALetterOrDigit() {
    Path results = tmp.resolve("hyphen");
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    int code = cli.execute("run", "--results", results.toString(), "--run-id=-x");
    assertThat(code).as(err.toString()).isEqualTo(2);
    assertThat(err.toString()).contains("--run-id must start with a letter or digit", "got '-x'");
    assertThat(results).doesNotExist();
  }
}
