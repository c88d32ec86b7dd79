package io.adversarialprune.job.results;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Test fixtures on the results tables of a root's embedded catalog: a run's rows read, written and
 * copied from one root to another through the catalogs (a table's files cannot be copied: Iceberg's
 * metadata names them by their absolute paths), and committed units laid out as a run that has not
 * succeeded leaves them.
 *
 * <p>Opening a root re-registers the session's embedded catalog for it, so rows are collected from
 * one root before the other is opened.
 */
public final class ResultsFixtures {
  private ResultsFixtures() {}

  /** The embedded catalog of {@code root}, with the default namespace. */
  /**
   * Opens the embedded catalog of {@code root} and makes its results namespace the session's
   * current one, as {@code query} does: {@code spark.sql("SELECT ... FROM metrics")} then works.
   *
   * @return the names of the tables it holds (empty: no results)
   */
  public static List<String> use(SparkSession spark, String root) {
    return Tables.use(open(spark, root));
  }

  public static ResultsCatalog open(SparkSession spark, String root) {
    return ResultsCatalog.open(
        spark, ResultsCatalog.EMBEDDED, ResultsCatalog.DEFAULT_NAMESPACE, root);
  }

  /**
   * The rows of {@code table} in {@code root}, of run {@code runId} of {@code sweep} (every run
   * when {@code runId} is null), in the column order of {@link Tables#def}; empty when the table
   * does not exist.
   */
  public static List<Row> rows(
      SparkSession spark, String root, String table, String sweep, String runId) {
    Dataset<Row> df = open(spark, root).read(table);
    if (df == null) {
      return List.of();
    }
    if (sweep != null) {
      df = df.where(col("sweep").equalTo(lit(sweep)));
    }
    if (runId != null) {
      df = df.where(col("run_id").equalTo(lit(runId)));
    }
    String[] names = Tables.def(table).schema().fieldNames();
    return df.selectExpr(quoted(names)).collectAsList();
  }

  private static String[] quoted(String[] names) {
    String[] out = new String[names.length];
    for (int i = 0; i < names.length; i++) {
      out[i] = "`" + names[i] + "`";
    }
    return out;
  }

  /**
   * Creates {@code root}'s tables where missing ({@link ResultsCatalog#prepare}) and replaces, for
   * every run among {@code rows} (rows in the column order of {@link Tables#def}), that run's rows
   * of {@code table} with them: one commit per run, as a run writes its tables. The rows need no
   * schema of their own ({@code RunsTable.row}).
   */
  public static void write(SparkSession spark, String root, String table, List<Row> rows) {
    ResultsCatalog catalog = open(spark, root);
    catalog.prepare();
    StructType schema = Tables.def(table).schema();
    int sweep = schema.fieldIndex("sweep");
    int runId = schema.fieldIndex("run_id");
    Map<List<String>, List<Row>> byRun = new LinkedHashMap<>();
    for (Row r : rows) {
      byRun
          .computeIfAbsent(List.of(r.getString(sweep), r.getString(runId)), k -> new ArrayList<>())
          .add(r);
    }
    for (Map.Entry<List<String>, List<Row>> run : byRun.entrySet()) {
      catalog.replaceRun(
          table,
          run.getKey().get(0),
          run.getKey().get(1),
          spark.createDataFrame(run.getValue(), schema));
    }
  }

  /**
   * Copies the rows of {@code tables} of the runs {@code runIds} of {@code sweep} (every run of
   * every sweep when {@code sweep} is null) from root {@code from} into root {@code to}, whose
   * tables are created where missing.
   */
  public static void copy(
      SparkSession spark,
      String from,
      String to,
      List<String> tables,
      String sweep,
      String... runIds) {
    Map<String, List<Row>> collected = new LinkedHashMap<>();
    for (String t : tables) {
      List<Row> rows = new ArrayList<>();
      if (sweep == null) {
        rows.addAll(rows(spark, from, t, null, null));
      } else {
        for (String runId : runIds) {
          rows.addAll(rows(spark, from, t, sweep, runId));
        }
      }
      collected.put(t, rows);
    }
    open(spark, to).prepare();
    for (Map.Entry<String, List<Row>> e : collected.entrySet()) {
      write(spark, to, e.getKey(), e.getValue());
    }
  }

  /** Every row of every table of root {@code from} copied into root {@code to}. */
  public static void copyAll(SparkSession spark, String from, String to) {
    copy(spark, from, to, List.of(Tables.NAMES), null);
  }

  /**
   * Lays {@code samples} (rows of the {@code samples} table, in its column order) out as committed
   * units of run {@code runId} of {@code sweep} under {@code root}, as a run that has not succeeded
   * leaves them: one {@code _units/SWEEP/RUN_ID/CONFIG/ATTACK/seed-K/shard-H/part-0.parquet} per
   * (config, attack, seed, shard) among them, its rows' {@code sweep} and {@code run_id} set to the
   * run's. The files carry no unit info in their footers: enough for readers of the unit
   * directories, not for a run resuming them.
   *
   * @return the number of units written
   */
  public static int writeUnits(
      SparkSession spark, String root, String sweep, String runId, List<Row> samples)
      throws IOException {
    ResultsLayout layout = new ResultsLayout(root);
    Map<Path, List<Row>> byUnit = new LinkedHashMap<>();
    for (Row r : samples) {
      Path dir =
          new Path(
              new Path(
                  new Path(
                      new Path(layout.units(sweep, runId), r.<String>getAs("config_id")),
                      r.<String>getAs("attack")),
                  "seed-" + r.<Long>getAs("seed")),
              "shard-" + r.<Integer>getAs("shard"));
      byUnit.computeIfAbsent(dir, k -> new ArrayList<>()).add(r);
    }
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    SimpleGroupFactory groups = new SimpleGroupFactory(SampleFile.SCHEMA);
    for (Map.Entry<Path, List<Row>> unit : byUnit.entrySet()) {
      Path file = new Path(unit.getKey(), ResultsLayout.SAMPLE_FILE);
      try (ParquetWriter<Group> w =
          ExampleParquetWriter.builder(HadoopOutputFile.fromPath(file, conf))
              .withType(SampleFile.SCHEMA)
              .withConf(conf)
              .build()) {
        for (Row r : unit.getValue()) {
          Group g = groups.newGroup();
          for (StructField f : SampleFile.SPARK_SCHEMA.fields()) {
            Object v =
                switch (f.name()) {
                  case "sweep" -> sweep;
                  case "run_id" -> runId;
                  default -> r.getAs(f.name());
                };
            if (v instanceof String s) {
              g.append(f.name(), s);
            } else if (v instanceof Long l) {
              g.append(f.name(), l);
            } else if (v instanceof Integer i) {
              g.append(f.name(), i);
            } else if (v instanceof Double d) {
              g.append(f.name(), d);
            } else if (v instanceof Float x) {
              g.append(f.name(), x);
            } else if (v != null) {
              throw new IllegalArgumentException(f.name() + ": " + v.getClass());
            }
          }
          w.write(g);
        }
      }
    }
    return byUnit.size();
  }
}
