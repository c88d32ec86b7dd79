package io.adversarialprune.job.bench;

import io.adversarialprune.job.Main;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.TableDef;
import io.adversarialprune.job.results.Tables;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.iceberg.spark.actions.SparkActions;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * The results catalog at a year of nights (docs/BENCHMARKS.md): copies one real run of a sweep into
 * two fresh catalogs, once and as {@code N} nights (one commit per table and night, as the nightly
 * sweep makes them), then times, side by side and alternating, a one-night {@code metrics} query
 * and a one-run {@code report} on each (in this JVM: the commands' own work, without the JVM
 * start), the {@code query} command end to end through the local launcher (its fixed cost: a query
 * that reads no table), and the files a night leaves before and after compacting the manifests.
 *
 * <pre>
 * mvn -B -q -DskipTests package && mvn -B -q -pl job -am test-compile
 * deploy/local/adversarial-prune run --config conf/default.conf --results /tmp/one-night
 * java [launcher flags] \
 *   -cp job/target/test-classes:job/target/classes:$(cat job/target/classpath.txt) \
 *   io.adversarialprune.job.bench.NightsBench /tmp/one-night [NIGHTS=365] [WORK_DIR]
 * </pre>
 *
 * (deploy/local/bench-nights runs exactly that.) Not a test: nothing here asserts a timing.
 */
public final class NightsBench {
  private static final int REPS = 5;

  private NightsBench() {}

  public static void main(String[] args) throws Exception {
    String source = args[0];
    int nights = args.length > 1 ? Integer.parseInt(args[1]) : 365;
    Path work =
        args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("adversarial-prune-nights");
    SparkSession spark =
        SparkSession.builder()
            .appName("NightsBench")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .getOrCreate();
    try {
      run(spark, source, nights, work);
    } finally {
      spark.stop();
    }
  }

  private static void run(SparkSession spark, String source, int nights, Path work)
      throws Exception {
    ResultsCatalog from = open(spark, source);
    Row run = from.read("runs").where("status = 'SUCCEEDED'").orderBy("started_at").first();
    String sweep = run.getAs("sweep");
    String runId = run.getAs("run_id");
    Map<String, List<Row>> rows = new LinkedHashMap<>();
    for (TableDef def : Tables.ALL) {
      rows.put(def.name(), ordered(def, from.readRun(def.name(), sweep, runId)));
    }
    System.out.printf(
        Locale.ROOT,
        "source: sweep %s run %s of %s: %s%n",
        sweep,
        runId,
        source,
        rows.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().size()).toList());

    Path one = work.resolve("nights-1");
    Path year = work.resolve("nights-" + nights);
    write(spark, one, sweep, rows, 1);
    long t0 = System.nanoTime();
    write(spark, year, sweep, rows, nights);
    System.out.printf(
        Locale.ROOT,
        "wrote %d nights: %.1f s (%.0f ms a night, 6 commits)%n",
        nights,
        (System.nanoTime() - t0) / 1e9,
        (System.nanoTime() - t0) / 1e6 / nights);

    String night = night(0);
    String metricsSql =
        "SELECT count(*) FROM metrics WHERE level = 'config' AND run_id = '" + night + "'";
    List<String[]> table = new ArrayList<>();
    table.add(new String[] {"measure", "1 night", nights + " nights", "ratio"});
    compare(table, "metrics query, in-process (s)", one, year, r -> query(r, metricsSql));
    compare(
        table,
        "report of one run, in-process (s)",
        one,
        year,
        r -> report(r, night, work.resolve("report.html")));
    compare(table, "query command, no table (s)", one, year, r -> launcher(r, "SELECT 1"));
    compare(table, "query command, metrics (s)", one, year, r -> launcher(r, metricsSql));

    for (String t : List.of("samples", "metrics")) {
      table.add(
          new String[] {
            t + ": data files of a night", "" + dataFiles(spark, one, t, night), "", ""
          });
      table.add(new String[] {t + ": manifests", "" + manifests(spark, one, t), "", ""});
    }
    for (TableDef def : Tables.ALL) {
      String t = def.name();
      int[] before = {dataFiles(spark, year, t, night), manifests(spark, year, t)};
      Table ice = icebergTable(spark, year, t);
      SparkActions.get(spark).rewriteManifests(ice).execute();
      SparkActions.get(spark)
          .rewriteDataFiles(ice)
          .filter(Expressions.equal("run_id", night))
          .execute();
      int[] after = {dataFiles(spark, year, t, night), manifests(spark, year, t)};
      table.add(
          new String[] {
            t + ": data files of a night, before/after compaction",
            "",
            before[0] + " / " + after[0],
            ""
          });
      table.add(
          new String[] {
            t + ": manifests, before/after compaction", "", before[1] + " / " + after[1], ""
          });
    }
    for (TableDef def : Tables.ALL) {
      SparkActions.get(spark).rewriteManifests(icebergTable(spark, one, def.name())).execute();
    }
    compare(
        table,
        "metrics query after compaction, in-process (s)",
        one,
        year,
        r -> query(r, metricsSql));
    compare(
        table,
        "report of one run after compaction, in-process (s)",
        one,
        year,
        r -> report(r, night, work.resolve("report.html")));
    for (String[] line : table) {
      System.out.printf(Locale.ROOT, "| %-55s | %10s | %12s | %6s |%n", (Object[]) line);
    }
  }

  /** Rows of a table read back, in the table definition's column order (for the direct writer). */
  private static List<Row> ordered(TableDef def, List<Row> rows) {
    List<Row> out = new ArrayList<>();
    for (Row r : rows) {
      Object[] v = new Object[def.schema().size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = r.getAs(def.schema().fields()[i].name());
      }
      out.add(RowFactory.create(v));
    }
    return out;
  }

  private static String night(int i) {
    return String.format(Locale.ROOT, "night-%03d", i);
  }

  private static ResultsCatalog open(SparkSession spark, Object root) {
    return ResultsCatalog.open(
        spark, ResultsCatalog.EMBEDDED, ResultsCatalog.DEFAULT_NAMESPACE, root.toString());
  }

  /** {@code nights} copies of the source run, one commit per table and night. */
  private static void write(
      SparkSession spark, Path root, String sweep, Map<String, List<Row>> rows, int nights)
      throws IOException {
    ResultsCatalog catalog = open(spark, root);
    catalog.prepare();
    for (int i = 0; i < nights; i++) {
      String runId = night(i);
      for (TableDef def : Tables.ALL) {
        List<Row> src = rows.get(def.name());
        if (src.isEmpty()) {
          continue;
        }
        int runCol = def.schema().fieldIndex("run_id");
        List<Row> copy = new ArrayList<>(src.size());
        for (Row r : src) {
          Object[] v = new Object[r.size()];
          for (int c = 0; c < v.length; c++) {
            v[c] = c == runCol ? runId : r.get(c);
          }
          copy.add(RowFactory.create(v));
        }
        catalog.replaceRunDirectly(def.name(), sweep, runId, copy);
      }
      if ((i + 1) % 50 == 0) {
        System.out.printf(Locale.ROOT, "  %d nights written%n", i + 1);
      }
    }
  }

  @FunctionalInterface
  private interface Timed {
    void run(Path root) throws Exception;
  }

  /** Median seconds of {@link #REPS} runs on each root, alternating (one warm-up each). */
  private static void compare(List<String[]> table, String what, Path one, Path year, Timed t)
      throws Exception {
    t.run(one);
    t.run(year);
    double[] a = new double[REPS];
    double[] b = new double[REPS];
    for (int i = 0; i < REPS; i++) {
      a[i] = seconds(t, one);
      b[i] = seconds(t, year);
    }
    double ma = median(a);
    double mb = median(b);
    table.add(
        new String[] {
          what,
          String.format(Locale.ROOT, "%.2f", ma),
          String.format(Locale.ROOT, "%.2f", mb),
          String.format(Locale.ROOT, "%.2f", mb / ma)
        });
  }

  private static double seconds(Timed t, Path root) throws Exception {
    long start = System.nanoTime();
    t.run(root);
    return (System.nanoTime() - start) / 1e9;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return s[s.length / 2];
  }

  private static void query(Path root, String sql) {
    check(cli("query", "--results", root.toString(), sql), "query");
  }

  private static void report(Path root, String runId, Path out) {
    check(
        cli("report", "--results", root.toString(), "--run-id", runId, "--out", out.toString()),
        "report");
  }

  private static int cli(String... args) {
    picocli.CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(new StringWriter()));
    cli.setErr(new PrintWriter(new StringWriter()));
    return cli.execute(args);
  }

  private static void check(int code, String what) {
    if (code != 0) {
      throw new IllegalStateException(what + " exited " + code);
    }
  }

  /** The {@code query} command end to end: a JVM of its own through the local launcher. */
  private static void launcher(Path root, String sql) throws Exception {
    Process p =
        new ProcessBuilder(
                "deploy/local/adversarial-prune", "query", "--results", root.toString(), sql)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    check(p.waitFor(), "the launcher's query");
  }

  private static Table icebergTable(SparkSession spark, Path root, String table) throws Exception {
    ResultsCatalog c = open(spark, root);
    return Spark3Util.loadIcebergTable(spark, c.qualified(table).replace("`", ""));
  }

  private static int dataFiles(SparkSession spark, Path root, String table, String runId)
      throws Exception {
    Table t = icebergTable(spark, root, table);
    int n = 0;
    try (CloseableIterable<org.apache.iceberg.FileScanTask> tasks =
        t.newScan().filter(Expressions.equal("run_id", runId)).planFiles()) {
      for (org.apache.iceberg.FileScanTask ignored : tasks) {
        n++;
      }
    }
    return n;
  }

  private static int manifests(SparkSession spark, Path root, String table) throws Exception {
    Table t = icebergTable(spark, root, table);
    return t.currentSnapshot() == null ? 0 : t.currentSnapshot().allManifests(t.io()).size();
  }
}
