package io.adversarialprune.job.cli;

import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.RunsTable;
import io.adversarialprune.job.results.Tables;
import java.io.PrintWriter;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code query}: read-only Spark SQL over the results tables. Plain table names are views of the
 * SUCCEEDED runs only, {@code latest_*} views the latest SUCCEEDED run of each sweep, and the
 * qualified names the tables themselves, every run of any status.
 */
@Command(
    name = "query",
    mixinStandardHelpOptions = true,
    modelTransformer = QueryCommand.TableNames.class)
public final class QueryCommand extends ResultsCommand {
  /** The prefix of the views of each sweep's latest SUCCEEDED run. */
  static final String LATEST = "latest_";

  /** The description, naming the tables from their definitions: a new table is listed as it is. */
  static final class TableNames implements CommandLine.IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      List<String> viewed =
          java.util.Arrays.stream(Tables.NAMES).filter(t -> !t.equals(Tables.RUNS.name())).toList();
      spec.usageMessage()
          .description(
              "Runs one read-only Spark SQL query over the results tables and prints its rows.",
              "What the names hold:",
              "  "
                  + String.join(", ", viewed)
                  + ": the rows of every SUCCEEDED run of every sweep (a run still running,"
                  + " failed or interrupted shows none of its rows);",
              "  "
                  + LATEST
                  + viewed.get(0)
                  + ", "
                  + LATEST
                  + viewed.get(1)
                  + ", ...: the rows of the latest SUCCEEDED run of each sweep (by"
                  + " started_at);",
              "  " + Tables.RUNS.name() + ": every run of every sweep, any status;",
              "  CATALOG.NAMESPACE.TABLE (e.g. results.adversarial_prune.metrics): the table"
                  + " itself, every run of any status.",
              "Anything but a query (DDL, DML, commands, file sources, reflect) exits 2.");
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
      description =
          "At most this many rows; a line says when more exist. Default: ${DEFAULT-VALUE}.")
  int limit;

  @Parameters(index = "0", paramLabel = "SQL", description = "The query.")
  String sql;

  @Override
  Integer run(SparkSession spark) throws Exception {
    if (limit < 0) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--limit must be at least 0, got " + limit);
    }
    List<String> created = new java.util.ArrayList<>();
    try {
      List<String> tables = tables(spark);
      return query(spark, views(spark, catalog(spark), tables, sql, created));
    } finally {
      // A session that outlives the command (nightly's, a test's) keeps no view of this root.
      created.forEach(spark.catalog()::dropTempView);
    }
  }

  private Integer query(SparkSession spark, List<String> views) throws Exception {
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
                  ? "\n  the names a query can use: " + String.join(", ", views)
                  : ""),
          e);
    }
    List<Row> rows = collect(df);
    // one row more than asked for says whether the limit cut the result
    boolean more = rows.size() > limit;
    if (more) {
      rows = rows.subList(0, limit);
    }
    PrintWriter out = spec.commandLine().getOut();
    String cut = "more rows exist: the first " + limit + " are shown (raise --limit)";
    if (format == Format.table) {
      out.print(table(df.columns(), rows));
      if (more) {
        out.println(cut);
      }
    } else {
      out.println(String.join(",", df.columns()));
      for (Row r : rows) {
        out.println(csvLine(r));
      }
      if (more) { // stderr: the CSV stays a CSV
        spec.commandLine().getErr().println("query: " + cut);
        spec.commandLine().getErr().flush();
      }
    }
    out.flush();
    return 0;
  }

  /**
   * Shadows each table but {@code runs} with a temporary view of its SUCCEEDED runs' rows, and adds
   * a {@code latest_} view of each sweep's latest SUCCEEDED run.
   *
   * <p>Only the views {@code sql} names are created (each costs an analysis of its plan, which a
   * query's start-up time would pay for every table).
   *
   * @param created receives the names of the views made
   * @return the names a query can use, tables and views
   */
  static List<String> views(
      SparkSession spark,
      ResultsCatalog catalog,
      List<String> tables,
      String sql,
      List<String> created)
      throws java.io.IOException {
    boolean hasRuns = tables.contains(Tables.RUNS.name());
    List<String> names = new java.util.ArrayList<>();
    List<String> named = new java.util.ArrayList<>(); // the views the query mentions
    for (String t : tables) {
      names.add(t);
      if (hasRuns && !t.equals(Tables.RUNS.name())) {
        names.add(LATEST + t);
        for (String view : List.of(t, LATEST + t)) {
          if (names(sql, view)) {
            named.add(view);
          }
        }
      }
    }
    if (named.isEmpty()) {
      return names;
    }
    // The SUCCEEDED runs, read without a Spark job (the runs table is a file per sweep), become
    // a filter on the tables' partition columns: no join, and only those runs' files are read.
    java.util.Map<String, List<ResultsCatalog.RunStatus>> succeeded = new java.util.TreeMap<>();
    for (ResultsCatalog.RunStatus r : catalog.runStatuses()) {
      if (RunsTable.SUCCEEDED.equals(r.status())) {
        succeeded.computeIfAbsent(r.sweep(), k -> new java.util.ArrayList<>()).add(r);
      }
    }
    // Built as columns, not SQL text: a year of run ids is no parse of its own.
    Column every = null;
    Column latest = null;
    for (java.util.Map.Entry<String, List<ResultsCatalog.RunStatus>> e : succeeded.entrySet()) {
      List<ResultsCatalog.RunStatus> runs = e.getValue();
      Column sweep = functions.col("sweep").equalTo(e.getKey());
      every =
          or(
              every,
              sweep.and(
                  functions
                      .col("run_id")
                      .isin(runs.stream().map(ResultsCatalog.RunStatus::runId).toArray())));
      // the latest by started_at, a run id breaking ties (as report and compare choose)
      ResultsCatalog.RunStatus last =
          runs.stream()
              .max(
                  java.util.Comparator.comparing(
                          ResultsCatalog.RunStatus::startedAt,
                          java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()))
                      .thenComparing(ResultsCatalog.RunStatus::runId))
              .orElseThrow();
      latest = or(latest, sweep.and(functions.col("run_id").equalTo(last.runId())));
    }
    for (String view : named) {
      boolean last = view.startsWith(LATEST);
      // A view of a Dataset keeps its analyzed plan: the query's analysis does not redo the view's
      // (a view made by SQL text is analyzed again wherever it is named).
      spark
          .table(catalog.qualified(last ? view.substring(LATEST.length()) : view))
          .where(Objects.requireNonNullElse(last ? latest : every, functions.lit(false)))
          .createOrReplaceTempView(view);
      created.add(view);
    }
    return names;
  }

  private static Column or(Column a, Column b) {
    return a == null ? b : a.or(b);
  }

  /** Whether {@code sql} mentions {@code name} as a word (or more: a false yes costs only time). */
  private static boolean names(String sql, String name) {
    return java.util.regex.Pattern.compile(
            "(?<![A-Za-z0-9_])" + name + "(?![A-Za-z0-9_])",
            java.util.regex.Pattern.CASE_INSENSITIVE)
        .matcher(sql)
        .find();
  }

  /**
   * The query's first {@link #limit} rows. The user's SQL failing as it runs (division by zero
   * under ANSI mode, a bad cast, {@code raise_error}) is reported in one line with Spark's error
   * condition, as a usage error, not a job failure with Spark's stack traces.
   */
  private List<Row> collect(Dataset<Row> df) {
    try {
      return df.limit(limit == Integer.MAX_VALUE ? limit : limit + 1).collectAsList();
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
