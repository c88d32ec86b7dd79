package io.adversarialprune.job.cli;

import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.plan.SweepPlan;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.job.sweep.SweepRunner;
import java.io.File;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code run}: one sweep (or the rest of one, when its run id has committed units already). */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Runs a sweep and commits its tables under --results: samples, metrics, prune_stats,"
            + " runs, engine_checks, and layers (with sweep.anatomy = on).")
public final class RunCommand implements Callable<Integer> {
  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  @Option(names = "--config", description = "HOCON sweep file (defaults: reference.conf).")
  File config;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "Overrides a config key (repeatable).")
  List<String> overrides = new ArrayList<>();

  @Option(
      names = "--results",
      required = true,
      description = "Results root (local path, hdfs://, s3a://...).")
  String results;

  @Option(
      names = "--run-id",
      description =
          "Run id; reuse one to resume that run. @date: today's date, yyyy-MM-dd (schedules that"
              + " cannot run a shell, e.g. a ScheduledSparkApplication). Default: the current time,"
              + " yyyyMMdd-HHmmss.")
  String runId;

  @Spec CommandSpec spec;

  /** The run id to use: the given one, today's date for {@code @date}, or the current time. */
  static String resolveRunId(String given, java.time.Clock clock) {
    if (given == null) {
      return LocalDateTime.now(clock).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    }
    // The same night's rerun gets the same id and so resumes that night's run.
    return given.equals("@date") ? java.time.LocalDate.now(clock).toString() : given;
  }

  @Override
  public Integer call() throws Exception {
    String id = resolveRunId(runId, java.time.Clock.systemDefaultZone());
    if (!RUN_ID.matcher(id).matches()) {
      throw new ParameterException(
          spec.commandLine(),
          "--run-id must start with a letter or digit and go on with letters, digits, '.', '_'"
              + " or '-', got '"
              + id
              + "'");
    }
    if (id.length() > ResultsLayout.MAX_NAME_LENGTH) {
      // A directory and a file name under the results root: too long fails at the first write.
      throw new ParameterException(
          spec.commandLine(),
          "--run-id must be at most "
              + ResultsLayout.MAX_NAME_LENGTH
              + " characters (it names directories and files under --results), got "
              + id.length());
    }
    // Every config problem is reported here, before a Spark session exists.
    SweepConfig sweep = SweepConfig.load(config, overrides);
    for (String warning : sweep.warnings()) {
      spec.commandLine().getErr().println("warning: " + warning);
    }
    spec.commandLine().getErr().flush();
    return Spark.withSession(
        "adversarial-prune " + sweep.name() + " " + id,
        spark -> {
          SweepRunner.Summary summary = new SweepRunner(spark, sweep, results, id).run();
          spec.commandLine()
              .getOut()
              .printf(
                  "sweep %s run %s: %s (%d computed now, %d resumed) -> %s%n%n%s",
                  sweep.name(),
                  summary.runId(),
                  SweepPlan.count(summary.units(), "unit"),
                  summary.computed(),
                  summary.units() - summary.computed(),
                  results,
                  SummaryTable.render(summary.configMetrics()));
          spec.commandLine().getOut().flush();
          return 0;
        });
  }
}
