package io.adversarialprune.job.cli;

import io.adversarialprune.job.results.LegacyImport;
import io.adversarialprune.job.results.TableDef;
import io.adversarialprune.job.results.Tables;
import java.io.PrintWriter;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code import}: runs of a results root written before the catalog, into the catalog. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description =
        "Imports the runs of a results root in the layout before the catalog"
            + " (ROOT/TABLE/SWEEP/RUN_ID/) into the results catalog, one commit per table and run;"
            + " importing again replaces, never doubles. The old root is only read.")
public final class ImportCommand extends ResultsCommand {
  @Option(names = "--from", required = true, description = "The old results root.")
  String from;

  @Override
  Integer run(SparkSession spark) throws Exception {
    List<LegacyImport.Imported> runs = new LegacyImport(spark, catalog(spark)).importRoot(from);
    PrintWriter out = spec.commandLine().getOut();
    for (LegacyImport.Imported r : runs) {
      StringBuilder line =
          new StringBuilder("imported sweep ")
              .append(r.sweep())
              .append(" run ")
              .append(r.runId())
              .append(" (")
              .append(r.status())
              .append("):");
      for (int i = 0; i < Tables.ALL.size(); i++) {
        TableDef def = Tables.ALL.get(i);
        line.append(' ').append(def.name()).append(' ').append(r.rows().get(i));
      }
      out.println(line);
    }
    out.println(runs.size() + (runs.size() == 1 ? " run" : " runs") + " imported from " + from);
    out.flush();
    return 0;
  }
}
