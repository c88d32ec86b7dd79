package io.adversarialprune.job.cli;

import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.results.Tables;
import java.io.PrintWriter;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code query}: Spark SQL over the results tables, one view each ({@link Tables#NAMES}). */
@Command(
    name = "query",
    mixinStandardHelpOptions = true,
    modelTransformer = QueryCommand.TableNames.class)
public final class QueryCommand extends ResultsCommand {
  /** The description, naming the tables from their definitions: a new table is listed as it is. */
  static final class TableNames implements CommandLine.IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      spec.usageMessage()
          .description(
              "Runs Spark SQL over a results root (views: "
                  + String.join(", ", Tables.NAMES)
                  + ": those the root has).");
      return spec;
    }
  }

  /** Output formats. */
  enum Format {
    table,
    csv
  }

  @Option(
      names = "--format",
      defaultValue = "table",
      description = "table or csv. Default: ${DEFAULT-VALUE}.")
  Format format;

  @Option(
      names = "--limit",
      defaultValue = "1000",
      description = "At most this many rows. Default: ${DEFAULT-VALUE}.")
  int limit;

  @Parameters(index = "0", paramLabel = "SQL", description = "The query.")
  String sql;

  @Override
  Integer run(SparkSession spark) throws Exception {
    if (limit < 0) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--limit must be at least 0, got " + limit);
    }
    List<String> views = tables(spark);
    Dataset<Row> df;
    try {
      // Read-only by construction: a statement that is not a pure query never reaches spark.sql.
      df = ReadOnlyQuery.analyze(spark, sql);
    } catch (Exception e) {
      // Spark's AnalysisException (unknown table/column, bad syntax) is a user error.
      if (!((Object) e instanceof AnalysisException analysis)) {
        throw e;
      }
      throw new UserInputException(
          "query failed: "
              + e.getMessage()
              + ("TABLE_OR_VIEW_NOT_FOUND".equals(analysis.getCondition())
                  ? "\n  the results namespace has the tables " + String.join(", ", views)
                  : ""),
          e);
    }
    List<Row> rows = collect(df);
    PrintWriter out = spec.commandLine().getOut();
    if (format == Format.table) {
      out.print(table(df.columns(), rows));
    } else {
      out.println(String.join(",", df.columns()));
      for (Row r : rows) {
        out.println(csvLine(r));
      }
    }
    out.flush();
    return 0;
  }

  /**
   * The query's first {@link #limit} rows. The user's SQL failing as it runs (division by zero
   * under ANSI mode, a bad cast, {@code raise_error}) is reported in one line with Spark's error
   * condition, as a usage error, not a job failure with Spark's stack traces.
   */
  private List<Row> collect(Dataset<Row> df) {
    try {
      return df.limit(limit).collectAsList();
    } catch (RuntimeException e) {
      for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
        if (c instanceof org.apache.spark.SparkThrowable t && t.getCondition() != null) {
          String m = String.valueOf(c.getMessage()).strip();
          int nl = m.indexOf('\n');
          throw new UserInputException("query failed: " + (nl < 0 ? m : m.substring(0, nl)), e);
        }
      }
      throw e;
    }
  }

  /** A plain-text grid like Spark's {@code show()}, without truncating values. */
  static String table(String[] columns, List<Row> rows) {
    int[] width = new int[columns.length];
    List<String[]> cells = new java.util.ArrayList<>();
    for (int i = 0; i < columns.length; i++) {
      width[i] = columns[i].length();
    }
    for (Row r : rows) {
      String[] c = new String[columns.length];
      for (int i = 0; i < c.length; i++) {
        c[i] = r.isNullAt(i) ? "NULL" : String.valueOf(r.get(i));
        width[i] = Math.max(width[i], c[i].length());
      }
      cells.add(c);
    }
    StringBuilder sep = new StringBuilder("+");
    for (int w : width) {
      sep.append("-".repeat(w + 2)).append('+');
    }
    StringBuilder sb = new StringBuilder().append(sep).append('\n');
    sb.append(line(columns, width)).append(sep).append('\n');
    for (String[] c : cells) {
      sb.append(line(c, width));
    }
    sb.append(sep).append('\n');
    sb.append(rows.size()).append(rows.size() == 1 ? " row\n" : " rows\n");
    return sb.toString();
  }

  private static String line(String[] cells, int[] width) {
    StringBuilder sb = new StringBuilder("|");
    for (int i = 0; i < cells.length; i++) {
      sb.append(' ').append(String.format("%-" + width[i] + "s", cells[i])).append(" |");
    }
    return sb.append('\n').toString();
  }

  private static String csvLine(Row r) {
    return java.util.stream.IntStream.range(0, r.size())
        .mapToObj(i -> csv(r.isNullAt(i) ? "" : String.valueOf(r.get(i))))
        .collect(Collectors.joining(","));
  }

  private static String csv(String v) {
    return v.contains(",") || v.contains("\"") || v.contains("\n")
        ? "\"" + v.replace("\"", "\"\"") + "\""
        : v;
  }
}
