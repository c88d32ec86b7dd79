package io.adversarialprune.job.cli;

import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.report.ComparisonLoader;
import io.adversarialprune.job.report.ComparisonLoader.Baseline;
import io.adversarialprune.job.report.ComparisonOutput;
import io.adversarialprune.job.report.ComparisonOutput.Format;
import io.adversarialprune.job.report.Gate;
import io.adversarialprune.job.report.RunComparison;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code compare}: one run against a baseline, the rates that changed significantly, and the gate
 * that fails a night (exit 3).
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = {
      "Compares a SUCCEEDED run of a sweep with a baseline run: per config and attack (and the"
          + " worst case), the rates that changed significantly (two-sided two-proportion z-test),"
          + " with both values and their 95%% Wilson bounds; configs that appeared or disappeared;"
          + " a changed sweep config.",
      "Exit codes: 0 nothing crossed --fail-on (or nothing to compare: the sweep's first run),"
          + " 3 a significant change crossed --fail-on, 2 bad input (unknown sweep or run,"
          + " malformed threshold, a time the tables do not reach)."
    })
public final class CompareCommand extends ResultsCommand {
  @Option(names = "--sweep", description = "Sweep name. Default: the root's only sweep.")
  String sweep;

  @Option(
      names = "--run-id",
      description = "The run to judge. Default: the sweep's latest SUCCEEDED run.")
  String runId;

  @Option(
      names = "--baseline",
      paramLabel = "RUN_ID",
      description =
          "The run to compare with. Default: the latest SUCCEEDED run started before --run-id."
              + " With --as-of or --snapshot: that run as the tables held it then.")
  String baseline;

  @Option(
      names = "--as-of",
      paramLabel = "TIME",
      description =
          "Compare with the tables as they were at TIME (Iceberg time travel), e.g. 2026-12-06,"
              + " '2026-12-06 02:00', 2026-12-06T02:00:00Z (no zone: this machine's). The"
              + " baseline is --baseline or the latest SUCCEEDED run then (the same run id before"
              + " a re-run replaced it, too). Reaches back as far as maintain keeps snapshots.")
  String asOf;

  @Option(
      names = "--snapshot",
      paramLabel = "ID",
      description =
          "Compare with the metrics table at its snapshot ID (SELECT * FROM metrics.snapshots),"
              + " the runs table as of that snapshot's commit.")
  Long snapshot;

  @Option(
      names = "--fail-on",
      paramLabel = "THRESHOLDS",
      description =
          "Exit 3 when a significant change crosses a threshold: "
              + Gate.SYNTAX
              + " (a drop of remnant_acc of 2 percentage points or more, or of clean_acc of 1;"
              + " +Npt gates a rise, e.g. strict_asr:+3pt). Metrics: clean_acc, remnant_acc,"
              + " pred_change_rate, strict_asr. Not judged when the sweep's config changed.")
  String failOn;

  @Option(
      names = "--alpha",
      defaultValue = "" + RunComparison.DEFAULT_ALPHA,
      description =
          "The test's level: under no real change a rate is flagged with this probability."
              + " Default: ${DEFAULT-VALUE}.")
  double alpha;

  @Option(
      names = "--format",
      defaultValue = "table",
      description = "table, csv or json. Default: ${DEFAULT-VALUE}.")
  String format;

  @Option(names = "--all", description = "List every rate, not only the significant changes.")
  boolean all;

  @Option(names = "--out", description = "Write the output to this file. Default: stdout.")
  Path out;

  private Format fmt;
  private Gate gate;
  private Baseline choice;

  @Override
  void checkOptions() {
    fmt = format(format);
    gate = failOn == null ? Gate.NONE : Gate.parse(failOn, "--fail-on");
    if (!(alpha > 0 && alpha < 1)) {
      throw new UserInputException("--alpha must lie between 0 and 1 (exclusive), got " + alpha);
    }
    if (asOf != null && snapshot != null) {
      throw new UserInputException("--as-of and --snapshot both choose the baseline; give one");
    }
    if (out != null && Files.isDirectory(out)) {
      throw new UserInputException("--out " + out + " is a directory; name the file to write");
    }
    if (asOf != null) {
      choice = new Baseline.AsOf(parseTime(asOf, "--as-of"), baseline);
    } else if (snapshot != null) {
      choice = new Baseline.Snapshot(snapshot, baseline);
    } else if (baseline != null) {
      choice = new Baseline.Named(baseline);
    } else {
      choice = new Baseline.Previous();
    }
  }

  @Override
  Integer run(SparkSession spark) throws Exception {
    RunComparison c =
        new ComparisonLoader(spark, catalog(spark), results).load(sweep, runId, choice, alpha);
    PrintWriter err = spec.commandLine().getErr();
    if (c == null) {
      String message =
          (runId == null ? "the latest SUCCEEDED run" : "run " + runId)
              + " is the first SUCCEEDED run of its sweep: nothing to compare it with"
              + " (name a run with --baseline).";
      if (fmt == Format.TABLE && out == null) {
        spec.commandLine().getOut().println(message);
        spec.commandLine().getOut().flush();
      } else {
        err.println(message);
        err.flush();
      }
      return 0;
    }
    List<Gate.Crossing> crossings = gate.crossings(c);
    String text = ComparisonOutput.render(c, gate, crossings, fmt, all);
    if (out == null) {
      spec.commandLine().getOut().print(text);
      spec.commandLine().getOut().flush();
    } else {
      Path parent = out.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Files.writeString(out, text, StandardCharsets.UTF_8);
    }
    if (fmt != Format.TABLE || out != null) {
      // the verdict for the person or log watching the command
      err.println(ComparisonOutput.summary(c, gate, crossings));
      err.flush();
    }
    return crossings.isEmpty() ? 0 : 3;
  }

  private static Format format(String name) {
    for (Format f : Format.values()) {
      if (f.name().equalsIgnoreCase(name)) {
        return f;
      }
    }
    throw new UserInputException("--format must be table, csv or json, got '" + name + "'");
  }

  /**
   * An instant from an ISO date-time with a zone or offset, or a date or date-time without one (in
   * this machine's zone).
   */
  static Instant parseTime(String s, String option) {
    String t = s.strip();
    try {
      return OffsetDateTime.parse(t.replace(' ', 'T')).toInstant();
    } catch (DateTimeParseException e) {
      // no offset: try local forms
    }
    try {
      return LocalDateTime.parse(t.replace(' ', 'T')).atZone(ZoneId.systemDefault()).toInstant();
    } catch (DateTimeParseException e) {
      // no time: try a date
    }
    try {
      return LocalDate.parse(t).atStartOfDay(ZoneId.systemDefault()).toInstant();
    } catch (DateTimeParseException e) {
      throw new UserInputException(
          option
              + " '"
              + s
              + "' is not a time; give a date (2026-12-06), a local date-time ('2026-12-06"
              + " 02:00') or one with a zone (2026-12-06T02:00:00Z)");
    }
  }
}
