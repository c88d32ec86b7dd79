package io.adversarialprune.job.cli;

import io.adversarialprune.job.Main;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code warm-up} (hidden): what deploy/local/class-archive runs under {@code
 * -XX:ArchiveClassesAtExit} so that the launcher's class-data archive holds the classes of every
 * command a user starts cold: a 4-image, 1-step default sweep, then a query of its metrics, a
 * report and a comparison. Each step is the command of that name in this JVM.
 */
@Command(
    name = "warm-up",
    hidden = true,
    description = "Runs a tiny sweep, a query, a report and a compare (the class archive's run).")
public final class WarmUpCommand implements Callable<Integer> {
  @Option(names = "--results", required = true, description = "A scratch results root.")
  Path results;

  @Option(names = "--config", required = true, description = "The sweep (conf/default.conf).")
  Path config;

  @Override
  public Integer call() {
    String root = results.toString();
    List<List<String>> steps =
        List.of(
            List.of(
                "run",
                "--config",
                config.toString(),
                "--set",
                "sweep.data.limit=4",
                "--set",
                "sweep.attack.steps=1",
                "--results",
                root,
                "--run-id",
                "warm-up"),
            List.of(
                "query",
                "--results",
                root,
                "SELECT count(*) FROM metrics WHERE level = 'config' AND run_id = 'warm-up'"),
            List.of(
                "report", "--results", root, "--out", results.resolve("report.html").toString()),
            List.of("compare", "--results", root, "--baseline", "warm-up"));
    for (List<String> step : steps) {
      CommandLine cli = Main.commandLine();
      int code = cli.execute(step.toArray(String[]::new));
      if (code != 0) {
        return code;
      }
    }
    return 0;
  }
}
