package io.adversarialprune.job.cli;

import io.adversarialprune.job.Main;
import io.adversarialprune.job.config.SweepConfig;
import java.io.File;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nightly}: the nightly loop in one driver, for schedules that start one application (a
 * ScheduledSparkApplication, a cron line): {@code run}, then {@code compare} of that run against
 * the previous SUCCEEDED one with the gate, then {@code maintain}. Each step is the command of the
 * same name, run in this driver's session; their options are checked before the sweep starts.
 */
@Command(
    name = "nightly",
    mixinStandardHelpOptions = true,
    description = {
      "The nightly loop: run the sweep, compare the run with the previous SUCCEEDED one"
          + " (--fail-on gates it), then maintain the tables. Exit codes: the run's when it"
          + " failed (compare is skipped); else 3 when the gate failed; else maintain's."
    })
public final class NightlyCommand implements Callable<Integer> {
  @Option(names = "--config", description = "HOCON sweep file (defaults: reference.conf).")
  File config;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "Overrides a config key (repeatable).")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--results", required = true, description = "Results root, as for run.")
  String results;

  @Option(
      names = "--run-id",
      defaultValue = "@date",
      description =
          "Run id. Default: ${DEFAULT-VALUE}, today's date (yyyy-MM-dd), so a rerun the same day"
              + " resumes tonight's run.")
  String runId;

  @Option(
      names = "--fail-on",
      paramLabel = "THRESHOLDS",
      description = "compare's gate, e.g. 'remnant_acc:-2pt, clean_acc:-1pt'. Default: none.")
  String failOn;

  @Option(
      names = "--compare-out",
      paramLabel = "FILE",
      description = "Also write the comparison as JSON to FILE (for an alerting tool).")
  Path compareOut;

  @Option(
      names = "--older-than",
      defaultValue = "30d",
      paramLabel = "DURATION",
      description = "maintain's --older-than. Default: ${DEFAULT-VALUE}.")
  String olderThan;

  @Option(
      names = "--delete-runs-older-than",
      paramLabel = "DURATION",
      description = "maintain's retention. Default: every run is kept.")
  String deleteRunsOlderThan;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    String id = RunCommand.resolveRunId(runId, Clock.systemDefaultZone());
    SweepConfig sweep = SweepConfig.load(config, overrides);
    List<String> run = new ArrayList<>(List.of("run", "--results", results, "--run-id", id));
    if (config != null) {
      run.addAll(List.of("--config", config.getPath()));
    }
    overrides.forEach(o -> run.addAll(List.of("--set", o)));
    List<String> where =
        List.of(
            "--results",
            results,
            "--catalog",
            sweep.results().catalog(),
            "--namespace",
            sweep.results().namespace());
    List<String> compare =
        new ArrayList<>(List.of("compare", "--sweep", sweep.name(), "--run-id", id));
    compare.addAll(where);
    if (failOn != null) {
      compare.addAll(List.of("--fail-on", failOn));
    }
    List<String> maintain = new ArrayList<>(List.of("maintain", "--older-than", olderThan));
    maintain.addAll(where);
    if (deleteRunsOlderThan != null) {
      maintain.addAll(List.of("--delete-runs-older-than", deleteRunsOlderThan));
    }
    // A typo in a later step's options is found now, not after a night of sweeping.
    check(compare);
    check(maintain);
    if (compareOut != null) {
      check(json(compare));
    }

    return Spark.withSession(
        "adversarial-prune nightly " + sweep.name() + " " + id,
        spark -> {
          int code = step(run);
          if (code != 0) {
            return code;
          }
          int gate = step(compare);
          if (compareOut != null && gate != 2) {
            step(json(compare));
          }
          int maintained = step(maintain);
          return gate != 0 ? gate : maintained;
        });
  }

  private List<String> json(List<String> compare) {
    List<String> out = new ArrayList<>(compare);
    out.addAll(List.of("--format", "json", "--out", compareOut.toString()));
    return out;
  }

  /** Parses a step's command line and checks its options, as the step itself would at start. */
  private static void check(List<String> args) {
    CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args.toArray(String[]::new));
    Object step = parsed.subcommand().commandSpec().userObject();
    if (step instanceof ResultsCommand c) {
      c.checkOptions();
    }
  }

  /** Runs one step as its own command, in this JVM's session; returns its exit code. */
  private int step(List<String> args) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    int format = args.indexOf("--format");
    err.println(
        "nightly: "
            + args.get(0)
            + (format < 0 ? "" : " " + String.join(" ", args.subList(format, args.size())))
            + " ...");
    err.flush();
    CommandLine cli = Main.commandLine();
    cli.setOut(out);
    cli.setErr(err);
    return cli.execute(args.toArray(String[]::new));
  }
}
