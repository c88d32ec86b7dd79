package io.adversarialprune.job.results;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One results table as the catalog holds it: its name, its columns, how its files are partitioned
 * and sorted, the table properties it is created with, and how one of its rows is built, by column
 * name ({@link #row()}). {@link Tables#ALL} lists every table; the writer, the readers, {@code
 * query}'s table list, the report, {@code import}, the catalog's checks and docs/RESULTS.md's
 * column list ({@code ResultsDocsTest}) all take them from there.
 *
 * <p>What a change touches. A new column: its table's schema and its producer's {@code set} of it,
 * both in the producer's file (e.g. {@link MetricsTable#SCHEMA} and {@code MetricsTable.row};
 * {@code samples}: {@link SampleFile}, which executors write straight to Parquet, also by name),
 * and docs/RESULTS.md's column list, which {@code ResultsDocsTest} checks; a producer that forgets
 * the column fails on its first row. A new table, besides its producer (schema and rows): its
 * definition in {@link Tables} (and {@link Tables#ALL}), the commit of its rows in {@code
 * sweep.RunWriter}, and docs/RESULTS.md. The catalog's creation and checks, {@code query}'s views
 * and help, {@code import}, {@code maintain} and the tests' fixtures take it from {@link
 * Tables#ALL}; the report and the notebooks show it once a section or a query is written for it.
 *
 * @param name the table's name inside the results namespace
 * @param schema its columns, every one nullable (a newer job adds columns; older rows read null),
 *     each of a type {@link RowBuilder} knows
 * @param partitionBy identity-partition columns: the filters the tables are queried by (sweep and
 *     run; {@code samples} also config), so a one-night query plans only that night's files
 * @param sortBy the write order inside each file, for the common filters' min/max statistics
 * @param clustered whether a write shuffles its rows by partition first (one file per partition and
 *     write: {@code samples}, written from many unit files); the driver's small tables are written
 *     from one local partition and need no shuffle
 */
public record TableDef(
    String name,
    StructType schema,
    List<String> partitionBy,
    List<String> sortBy,
    boolean clustered) {

  /** Checks that every column has a type rows can be built of, and names the columns it uses. */
  public TableDef {
    for (StructField f : schema.fields()) {
      javaType(name, f);
    }
    for (String c : partitionBy) {
      column(name, schema, c);
    }
    for (String c : sortBy) {
      column(name, schema, c);
    }
  }

  /** The properties every results table is created with. */
  static Map<String, String> properties(boolean clustered) {
    return Map.of(
        "format-version", "2",
        "write.parquet.compression-codec", "zstd",
        "write.distribution-mode", clustered ? "hash" : "none",
        // Two drivers committing different runs at once: the loser re-applies its commit.
        "commit.retry.num-retries", "10",
        // A Hadoop catalog keeps every metadata file otherwise: a year of nights is thousands.
        "write.metadata.delete-after-commit.enabled", "true",
        "write.metadata.previous-versions-max", "100");
  }

  /** A new, empty row of this table, to be filled by column name. */
  public RowBuilder row() {
    return new RowBuilder(this);
  }

  /**
   * {@code read}'s values by column name, as a row of this table in its column order: for a row
   * read back from the catalog, whose table an older job made may order its columns otherwise (a
   * column added by schema evolution comes last) or lack some (null here).
   *
   * @throws IllegalArgumentException when a value is not of its column's type
   */
  public Row rowFrom(Row read) {
    StructType from = read.schema();
    RowBuilder b = row();
    for (StructField f : schema.fields()) {
      scala.Option<Object> at = from.getFieldIndex(f.name());
      b.set(f.name(), at.isEmpty() ? null : read.get((Integer) at.get()));
    }
    return b.build();
  }

  /**
   * One row of a table, set column by column by name. Every column is set exactly once, null
   * allowed: a producer that misses a column (one added to the schema, say) fails on its first row,
   * naming it, rather than shifting the columns after it. Each value must be of its column's
   * external Java type (STRING: {@link String}, INT: {@link Integer}, BIGINT: {@link Long}, DOUBLE:
   * {@link Double}, FLOAT: {@link Float}, BOOLEAN: {@link Boolean}, TIMESTAMP: {@link
   * java.sql.Timestamp}), as Spark's {@code createDataFrame} and {@link
   * ResultsCatalog#replaceRunDirectly} take it. Every error names the table and the column.
   *
   * <p>One builder makes one row; not thread-safe. The lookup by name is Spark's own per-schema
   * index ({@link StructType#getFieldIndex}), built once per table definition.
   */
  public static final class RowBuilder {
    private final TableDef def;
    private Object[] values;
    private final boolean[] set;
    private int count;

    private RowBuilder(TableDef def) {
      this.def = def;
      this.values = new Object[def.schema.size()];
      this.set = new boolean[values.length];
    }

    /**
     * Sets column {@code column} to {@code value} (null: no value).
     *
     * @throws IllegalArgumentException when the table has no such column, the column is set
     *     already, or the value is not of the column's type
     */
    public RowBuilder set(String column, Object value) {
      if (values == null) {
        throw new IllegalStateException("row of table " + def.name + " built already");
      }
      scala.Option<Object> at = def.schema.getFieldIndex(column);
      if (at.isEmpty()) {
        throw new IllegalArgumentException(
            "table " + def.name + " has no column " + column + "; its columns: " + names(def));
      }
      int i = (Integer) at.get();
      if (set[i]) {
        throw new IllegalArgumentException(
            "column " + column + " of table " + def.name + " set twice");
      }
      if (value != null) {
        StructField f = def.schema.fields()[i];
        Class<?> type = javaType(def.name, f);
        if (!type.isInstance(value)) {
          throw new IllegalArgumentException(
              "column "
                  + column
                  + " of table "
                  + def.name
                  + " is "
                  + f.dataType().sql()
                  + " and takes a "
                  + type.getName()
                  + ", got a "
                  + value.getClass().getName()
                  + " ("
                  + value
                  + ")");
        }
      }
      values[i] = value;
      set[i] = true;
      count++;
      return this;
    }

    /**
     * The row, in the table's column order, with the table's schema ({@code getAs(name)} works).
     *
     * @throws IllegalStateException when a column was never set
     */
    public Row build() {
      if (values == null) {
        throw new IllegalStateException("row of table " + def.name + " built already");
      }
      if (count < values.length) {
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < set.length; i++) {
          if (!set[i]) {
            missing.add(def.schema.fields()[i].name());
          }
        }
        throw new IllegalStateException(
            "row of table "
                + def.name
                + " lacks column"
                + (missing.size() > 1 ? "s " : " ")
                + String.join(", ", missing)
                + " (set each, null for none)");
      }
      Row row = new GenericRowWithSchema(values, def.schema);
      values = null;
      return row;
    }

    private static String names(TableDef def) {
      return String.join(", ", def.schema.fieldNames());
    }
  }

  /** The external Java type of a column's values. */
  private static Class<?> javaType(String table, StructField f) {
    DataType t = f.dataType();
    if (t.equals(DataTypes.StringType)) {
      return String.class;
    } else if (t.equals(DataTypes.IntegerType)) {
      return Integer.class;
    } else if (t.equals(DataTypes.LongType)) {
      return Long.class;
    } else if (t.equals(DataTypes.DoubleType)) {
      return Double.class;
    } else if (t.equals(DataTypes.FloatType)) {
      return Float.class;
    } else if (t.equals(DataTypes.BooleanType)) {
      return Boolean.class;
    } else if (t.equals(DataTypes.TimestampType)) {
      return java.sql.Timestamp.class;
    }
    throw new IllegalArgumentException(
        "column "
            + f.name()
            + " of table "
            + table
            + " has type "
            + t.sql()
            + ", not one of rows'");
  }

  private static void column(String table, StructType schema, String column) {
    if (schema.getFieldIndex(column).isEmpty()) {
      throw new IllegalArgumentException(
          "table " + table + " partitions or sorts by " + column + ", which is not a column");
    }
  }
}
