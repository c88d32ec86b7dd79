package io.adversarialprune.job.cli;

import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.report.Charts;
import io.adversarialprune.job.report.HtmlReport;
import io.adversarialprune.job.report.ReportData;
import io.adversarialprune.job.report.ReportLoader;
import io.adversarialprune.job.results.ResultsLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code report}: one self-contained HTML page (table, charts, night over night) per run. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = "Writes a self-contained HTML report of one run of a sweep from a results root.")
public final class ReportCommand extends ResultsCommand {
  @Option(names = "--sweep", description = "Sweep name. Default: the root's only sweep.")
  String sweep;

  @Option(names = "--run-id", description = "Run to report. Default: the latest by started_at.")
  String runId;

  @Option(
      names = "--compare-to",
      description = "Run to compare with. Default: the run started just before --run-id.")
  String compareTo;

  @Option(names = "--out", required = true, description = "The HTML file to write.")
  Path out;

  @Override
  Integer run(SparkSession spark) throws Exception {
    if (Files.isDirectory(out)) {
      throw new UserInputException("--out " + out + " is a directory; name the HTML file to write");
    }
    ReportData data =
        new ReportLoader(spark, catalog(spark), new ResultsLayout(results))
            .load(sweep, runId, compareTo);
    String html =
        HtmlReport.render(
            data,
            Charts.forRun(data.run().metrics()),
            Charts.forLayers(data.layers()),
            Charts.forCurves(data.curves(), data.run().metrics()));
    Path parent = out.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    // Written beside the target and moved, so a viewer never opens half a page.
    Path tmp = parent.resolve("." + out.getFileName() + ".tmp-" + System.nanoTime());
    try {
      Files.writeString(tmp, html, StandardCharsets.UTF_8);
      Files.move(
          tmp,
          out,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    spec.commandLine()
        .getOut()
        .println(
            "report of sweep "
                + data.sweep()
                + " run "
                + data.run().runId()
                + (data.previous() == null ? "" : " vs " + data.previous().runId())
                + ": "
                + out
                + (data.notes().isEmpty() ? "" : " (" + data.notes().size() + " notes)"));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
