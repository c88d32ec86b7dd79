package io.adversarialprune.job.cli;

import io.adversarialprune.job.results.Maintenance;
import io.adversarialprune.job.results.ResultsLayout;
import java.io.PrintWriter;
import java.time.Duration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code maintain}: compaction, snapshot expiry and orphan removal ({@link Maintenance}). */
@Command(
    name = "maintain",
    mixinStandardHelpOptions = true,
    description = {
      "Maintains the results tables with Iceberg's Spark actions, table by table: compacts"
          + " partitions of two small files or more, rewrites the manifests, expires snapshots"
          + " older than --older-than (time travel reaches back that far and no further; the"
          + " current snapshot, which every report and query reads, always stays), and removes"
          + " files no snapshot references (left by killed drivers). Then it removes the"
          + " _units/SWEEP/RUN_ID and _staging/SWEEP/RUN_ID directories that killed runs left"
          + " under --results (a resume would have reused the units).",
      "Orphan files and working directories are removed only when older than --older-than and"
          + " at least a day old, and never those of a run whose lease was renewed within the"
          + " day, so a sweep writing at the same time never loses its files in flight. The"
          + " rows read the same before and after, but for the runs that"
          + " --delete-runs-older-than deletes."
    })
public final class MaintainCommand extends ResultsCommand {
  @Option(
      names = "--older-than",
      defaultValue = "30d",
      paramLabel = "DURATION",
      description =
          "Snapshots, orphan files and killed runs' working files older than this are removed"
              + " (the last two never younger than 1d): Nd, Nh, Nm or Ns. Default:"
              + " ${DEFAULT-VALUE}.")
  String olderThan;

  @Option(
      names = "--delete-runs-older-than",
      paramLabel = "DURATION",
      description =
          "Also delete every run that started longer ago than this from every table (the runs"
              + " table last): Nd, Nh, Nm or Ns. Default: every run is kept.")
  String deleteRunsOlderThan;

  private Maintenance.Options options;

  @Override
  void checkOptions() {
    Duration older = Maintenance.duration(olderThan, "--older-than");
    Duration runs =
        deleteRunsOlderThan == null
            ? null
            : Maintenance.duration(deleteRunsOlderThan, "--delete-runs-older-than");
    options = new Maintenance.Options(older, runs);
  }

  @Override
  Integer run(SparkSession spark) throws Exception {
    tables(spark); // a root without results exits 2, as query does
    Maintenance.Summary summary =
        new Maintenance(spark, catalog(spark), new ResultsLayout(results)).run(options);
    PrintWriter out = spec.commandLine().getOut();
    for (Maintenance.TableSummary t : summary.tables()) {
      out.printf(
          "%s: data files %d -> %d, snapshots expired %d, orphan files removed %d%n",
          t.table(),
          t.dataFilesBefore(),
          t.dataFilesAfter(),
          t.snapshotsExpired(),
          t.orphanFilesRemoved());
    }
    if (options.deleteRunsOlderThan() != null) {
      out.println(
          "runs deleted (started more than "
              + deleteRunsOlderThan
              + " ago): "
              + summary.runsDeleted().size()
              + (summary.runsDeleted().isEmpty() ? "" : " " + summary.runsDeleted()));
    }
    out.println(
        "killed runs' working directories removed: "
            + summary.directoriesRemoved().size()
            + (summary.directoriesRemoved().isEmpty() ? "" : " " + summary.directoriesRemoved()));
    out.flush();
    return 0;
  }
}
