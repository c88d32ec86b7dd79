package io.adversarialprune.job.results;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.adversarialprune.job.UserInputException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.hadoop.fs.Path;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.iceberg.spark.SparkSchemaUtil;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.SnapshotUtil;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Where the results tables live: a namespace of a Spark catalog whose tables are Apache Iceberg
 * tables ({@link Tables#ALL}). By default the catalog is an Iceberg Hadoop catalog whose warehouse
 * is the results root itself ({@link #EMBEDDED}), registered in the session on first use, so a run
 * needs no server; any other Iceberg catalog (Hive metastore, REST, Glue, JDBC) is named by its
 * Spark name, configured as usual with {@code spark.sql.catalog.NAME.*}.
 *
 * <p>Writes replace one run's slice of a table in one Iceberg commit (an overwrite by the filter
 * {@code sweep = S AND run_id = R}): readers see a run's rows of a table all at once or not at all,
 * a rerun replaces them instead of appending, and two drivers committing different runs at once
 * both land (the loser's commit is retried on the new metadata).
 *
 * <p>Not thread-safe; one per command, in the driver.
 */
public final class ResultsCatalog {
  /** The Spark name of the embedded catalog: the Hadoop catalog in the results root. */
  public static final String EMBEDDED = "results";

  /** The namespace of the results tables unless configured otherwise. */
  public static final String DEFAULT_NAMESPACE = "adversarial_prune";

  /** A marker among the embedded catalog's settings: the job registered it, for this root. */
  private static final String MARKER = "adversarial-prune-warehouse";

  private final SparkSession spark;
  private final String catalog;
  private final String namespace;

  private ResultsCatalog(SparkSession spark, String catalog, String namespace) {
    this.spark = spark;
    this.catalog = catalog;
    this.namespace = namespace;
  }

  /**
   * The results catalog of a command: {@code catalog} as the session configures it, or, for {@link
   * #EMBEDDED} when the session does not configure it, the Hadoop catalog in {@code root}. Reaches
   * the catalog once, so an unknown or unreachable catalog fails here.
   *
   * @throws UserInputException (exit 2) naming the catalog when it is unknown or cannot be reached
   */
  public static ResultsCatalog open(
      SparkSession spark, String catalog, String namespace, String root) {
    String key = "spark.sql.catalog." + catalog;
    if (!spark.conf().contains(key) || spark.conf().contains(key + "." + MARKER)) {
      if (!catalog.equals(EMBEDDED)) {
        throw new UserInputException(
            "unknown catalog '"
                + catalog
                + "': no Spark setting "
                + key
                + " (set it and its "
                + key
                + ".* settings with --conf, or leave the catalog at '"
                + EMBEDDED
                + "', the Iceberg Hadoop catalog in --results)");
      }
      registerEmbedded(spark, root);
    }
    ResultsCatalog c = new ResultsCatalog(spark, catalog, namespace);
    c.icebergCatalog(); // reached once: an unreachable catalog says so now
    return c;
  }

  /**
   * Registers the Hadoop catalog in {@code root} as {@link #EMBEDDED}. A session that has it for
   * another root (tests share one session across roots) has its catalogs reset, as Spark keeps a
   * catalog once it has loaded it.
   */
  private static void registerEmbedded(SparkSession spark, String root) {
    String key = "spark.sql.catalog." + EMBEDDED;
    String warehouse;
    try {
      Path p = new Path(root);
      warehouse =
          p.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(p).toString();
    } catch (java.io.IOException | IllegalArgumentException e) {
      throw new UserInputException("results root " + root + " cannot be used: " + e, e);
    }
    if (spark.conf().contains(key + "." + MARKER)
        && spark.conf().get(key + "." + MARKER).equals(warehouse)) {
      return;
    }
    boolean loaded = spark.conf().contains(key);
    spark.conf().set(key, "org.apache.iceberg.spark.SparkCatalog");
    spark.conf().set(key + ".type", "hadoop");
    spark.conf().set(key + ".warehouse", warehouse);
    // Another process's commit is seen at once, not after the table cache's 30 s; a command that
    // only reads, in a session of its own, loads each table once (a query's analysis and its
    // views would read the same metadata up to three times) and reads one state of it throughout.
    spark.conf().set(key + ".cache-enabled", String.valueOf(readOnly(spark)));
    spark.conf().set(key + ".lock-impl", JvmLockManager.class.getName());
    spark.conf().set(key + "." + MARKER, warehouse);
    if (loaded) {
      spark.sessionState().catalogManager().reset();
    }
  }

  /**
   * The session setting that marks a session as a read-only command's own ({@code query}, {@code
   * report}, {@code compare} started alone): its embedded catalog caches tables.
   */
  public static final String READ_ONLY_SESSION = "spark.adversarial-prune.read-only-session";

  private static boolean readOnly(SparkSession spark) {
    return Boolean.parseBoolean(spark.conf().get(READ_ONLY_SESSION, "false"));
  }

  /** The catalog's Spark name. */
  public String catalog() {
    return catalog;
  }

  /** The namespace of the results tables inside the catalog. */
  public String namespace() {
    return namespace;
  }

  /** A table's fully qualified name, for Spark SQL and {@code spark.table}. */
  public String qualified(String table) {
    return quote(catalog) + "." + quote(namespace) + "." + quote(table);
  }

  private static String quote(String name) {
    return "`" + name.replace("`", "``") + "`";
  }

  private TableIdentifier id(String table) {
    return TableIdentifier.of(Namespace.of(namespace), table);
  }

  /** The Iceberg catalog behind the Spark one. */
  private Catalog icebergCatalog() {
    try {
      return Spark3Util.loadIcebergCatalog(spark, catalog);
    } catch (UserInputException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new UserInputException(
          "catalog '" + catalog + "' cannot be reached: " + firstLine(e), e);
    }
  }

  /** Whether the namespace exists: false for a results root no run has written. */
  public boolean exists() {
    try {
      Catalog c = icebergCatalog();
      return !(c instanceof SupportsNamespaces ns) || ns.namespaceExists(Namespace.of(namespace));
    } catch (UserInputException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new UserInputException(
          "catalog '" + catalog + "' cannot be reached: " + firstLine(e), e);
    }
  }

  /** Whether {@code table} exists in the namespace. */
  public boolean exists(String table) {
    return exists() && icebergCatalog().tableExists(id(table));
  }

  /** Makes the namespace the session's current one: {@code SELECT ... FROM metrics} then works. */
  public void use() {
    spark.sessionState().catalogManager().setCurrentCatalog(catalog);
    spark.sessionState().catalogManager().setCurrentNamespace(new String[] {namespace});
  }

  /**
   * Creates the namespace and every table of {@link Tables#ALL} that is missing, and brings an
   * existing table made by an older job up to date by adding the columns it lacks (a metadata
   * change: no file is rewritten). Called before a run writes anything.
   *
   * @throws UserInputException naming the table and column when a table of that name holds a column
   *     of another type, or a required column the job does not write; or naming the catalog when it
   *     refuses the change (no permission)
   */
  public void prepare() {
    Catalog c = icebergCatalog();
    try {
      if (c instanceof SupportsNamespaces ns && !ns.namespaceExists(Namespace.of(namespace))) {
        ns.createNamespace(Namespace.of(namespace));
      }
    } catch (org.apache.iceberg.exceptions.AlreadyExistsException e) {
      // another driver created it first
    } catch (RuntimeException e) {
      throw new UserInputException(
          "catalog '"
              + catalog
              + "' refused to create the namespace '"
              + namespace
              + "': "
              + firstLine(e),
          e);
    }
    for (TableDef def : Tables.ALL) {
      prepare(c, def);
    }
  }

  private void prepare(Catalog c, TableDef def) {
    Schema wanted = SparkSchemaUtil.convert(def.schema());
    try {
      if (!c.tableExists(id(def.name()))) {
        PartitionSpec.Builder spec = PartitionSpec.builderFor(wanted);
        def.partitionBy().forEach(spec::identity);
        SortOrder.Builder order = SortOrder.builderFor(wanted);
        def.sortBy().forEach(order::asc);
        try {
          c.buildTable(id(def.name()), wanted)
              .withPartitionSpec(spec.build())
              .withSortOrder(order.build())
              .withProperties(TableDef.properties(def.clustered()))
              .create();
        } catch (org.apache.iceberg.exceptions.AlreadyExistsException e) {
          // another driver created it first: checked below like any existing table
        }
      }
      Table table = c.loadTable(id(def.name()));
      List<String> missing = compatible(def, table.schema(), wanted);
      if (!missing.isEmpty()) {
        table.updateSchema().unionByNameWith(wanted).commit();
      }
    } catch (UserInputException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new UserInputException(
          "catalog '"
              + catalog
              + "' refused to create or update the table "
              + qualifiedPlain(def.name())
              + ": "
              + firstLine(e),
          e);
    }
  }

  /**
   * The columns of {@code wanted} that {@code actual} lacks.
   *
   * @throws UserInputException when a column of both has another type, or {@code actual} requires a
   *     column the job does not write
   */
  private List<String> compatible(TableDef def, Schema actual, Schema wanted) {
    List<String> missing = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Types.NestedField f : wanted.columns()) {
      Types.NestedField have = actual.findField(f.name());
      if (have == null) {
        missing.add(f.name());
      } else if (!have.type().equals(f.type()) && !widens(have.type(), f.type())) {
        problems.add("column " + f.name() + " is " + have.type() + ", expected " + f.type());
      }
    }
    for (Types.NestedField have : actual.columns()) {
      if (have.isRequired() && wanted.findField(have.name()) == null) {
        problems.add("column " + have.name() + " is required but not one of the job's");
      }
    }
    if (!problems.isEmpty()) {
      throw new UserInputException(
          "table "
              + qualifiedPlain(def.name())
              + " was not made by this job, or by an incompatible version: "
              + String.join("; ", problems)
              + "; use another namespace (--namespace, sweep.results.namespace) or drop it");
    }
    return missing;
  }

  /** Whether a column of type {@code have} holds the job's {@code wanted} values without loss. */
  private static boolean widens(Type have, Type wanted) {
    return (have.typeId() == Type.TypeID.LONG && wanted.typeId() == Type.TypeID.INTEGER)
        || (have.typeId() == Type.TypeID.DOUBLE && wanted.typeId() == Type.TypeID.FLOAT);
  }

  private String qualifiedPlain(String table) {
    return catalog + "." + namespace + "." + table;
  }

  /**
   * The Iceberg table {@code table} of the namespace, for Iceberg's own API and actions ({@code
   * maintain}); loaded now, so it shows the table's latest commit.
   */
  public Table icebergTable(String table) {
    return icebergCatalog().loadTable(id(table));
  }

  /**
   * One row of the {@code runs} table, as {@link #runStatuses} reads it.
   *
   * @param startedAt null when the row has none
   */
  public record RunStatus(String sweep, String runId, String status, java.time.Instant startedAt) {}

  /**
   * Every row of the {@code runs} table, read with Iceberg's own reader in this thread: no Spark
   * job, for a table of one small file per sweep ({@code query}'s views of the SUCCEEDED runs).
   * Empty when the table does not exist.
   */
  public List<RunStatus> runStatuses() throws java.io.IOException {
    String runs = Tables.RUNS.name();
    if (!exists(runs)) {
      return List.of();
    }
    ExecutorService direct =
        org.apache.iceberg.relocated.com.google.common.util.concurrent.MoreExecutors
            .newDirectExecutorService();
    List<RunStatus> out = new ArrayList<>();
    for (Record r : read(icebergTable(runs), Expressions.alwaysTrue(), direct)) {
      Object at = r.getField("started_at");
      out.add(
          new RunStatus(
              (String) r.getField("sweep"),
              (String) r.getField("run_id"),
              (String) r.getField("status"),
              at instanceof OffsetDateTime o
                  ? o.toInstant()
                  : at instanceof java.time.LocalDateTime l ? l.toInstant(ZoneOffset.UTC) : null));
    }
    return out;
  }

  /** A table over every sweep and run, or null when the table does not exist (yet). */
  public Dataset<Row> read(String table) {
    if (!exists(table)) {
      return null;
    }
    return spark.table(qualified(table));
  }

  /**
   * {@code table} as it was at {@code time} (Iceberg time travel: its latest snapshot committed at
   * or before then), or null when the table does not exist now.
   *
   * @throws UserInputException naming {@code option} when the table has no snapshot that old
   *     (written later, or expired by {@code maintain})
   */
  public Dataset<Row> readAsOf(String table, java.time.Instant time, String option) {
    if (!exists(table)) {
      return null;
    }
    Table t = icebergCatalog().loadTable(id(table));
    if (SnapshotUtil.nullableSnapshotIdAsOfTime(t, time.toEpochMilli()) == null) {
      throw new UserInputException(
          option
              + " "
              + time
              + ": table "
              + qualifiedPlain(table)
              + " has no snapshot that old ("
              + oldestSnapshot(t)
              + ")");
    }
    return spark.sql("SELECT * FROM " + qualified(table) + " TIMESTAMP AS OF '" + time + "'");
  }

  /**
   * {@code table} at its snapshot {@code snapshotId}.
   *
   * @throws UserInputException naming {@code option} when the table has no such snapshot
   */
  public Dataset<Row> readAtSnapshot(String table, long snapshotId, String option) {
    snapshotTime(table, snapshotId, option);
    return spark.sql("SELECT * FROM " + qualified(table) + " VERSION AS OF " + snapshotId);
  }

  /**
   * When {@code table}'s snapshot {@code snapshotId} was committed.
   *
   * @throws UserInputException naming {@code option} when the table has no such snapshot
   */
  public java.time.Instant snapshotTime(String table, long snapshotId, String option) {
    if (!exists(table)) {
      throw new UserInputException(
          option + " " + snapshotId + ": there is no table " + qualifiedPlain(table));
    }
    Table t = icebergCatalog().loadTable(id(table));
    org.apache.iceberg.Snapshot s = t.snapshot(snapshotId);
    if (s == null) {
      throw new UserInputException(
          option
              + " "
              + snapshotId
              + ": table "
              + qualifiedPlain(table)
              + " has no such snapshot (its current one is "
              + (t.currentSnapshot() == null ? "none" : t.currentSnapshot().snapshotId())
              + "; "
              + oldestSnapshot(t)
              + ")");
    }
    return java.time.Instant.ofEpochMilli(s.timestampMillis());
  }

  private static String oldestSnapshot(Table t) {
    long oldest = Long.MAX_VALUE;
    for (org.apache.iceberg.Snapshot s : t.snapshots()) {
      oldest = Math.min(oldest, s.timestampMillis());
    }
    return oldest == Long.MAX_VALUE
        ? "it has no snapshots"
        : "its oldest is of "
            + java.time.Instant.ofEpochMilli(oldest)
            + "; maintain expires older ones";
  }

  /** One run's rows of {@code table}, or an empty list when there are none. */
  public List<Row> readRun(String table, String sweep, String runId) {
    Dataset<Row> df = read(table);
    return df == null ? List.of() : df.where(ofRun(sweep, runId)).collectAsList();
  }

  private static Column ofRun(String sweep, String runId) {
    return col("sweep").equalTo(lit(sweep)).and(col("run_id").equalTo(lit(runId)));
  }

  /**
   * Replaces the rows of run {@code runId} of {@code sweep} in {@code table} with {@code rows}, in
   * one commit. The rows must all belong to that run.
   */
  public void replaceRun(String table, String sweep, String runId, Dataset<Row> rows) {
    TableDef def = Tables.def(table);
    if (!def.partitionBy().contains("run_id")) {
      try {
        replaceRunDirectly(table, sweep, runId, rows.select(columns(def, rows)).collectAsList());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return;
    }
    Dataset<Row> out = def.clustered() ? rows : rows.coalesce(1);
    try {
      out.writeTo(qualified(table)).overwrite(ofRun(sweep, runId));
    } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
      throw new IllegalStateException(
          "table " + qualifiedPlain(table) + " is gone: was it dropped during the run?", e);
    }
  }

  /** The table's columns in its definition's order; null where {@code rows} lacks one. */
  private static Column[] columns(TableDef def, Dataset<Row> rows) {
    List<String> have = List.of(rows.columns());
    return java.util.Arrays.stream(def.schema().fields())
        .map(
            f ->
                have.contains(f.name())
                    ? col(f.name())
                    : lit(null).cast(f.dataType()).alias(f.name()))
        .toArray(Column[]::new);
  }

  /**
   * {@link #replaceRun} without Spark: the rows written by Iceberg's own Parquet writer in this
   * thread and committed directly. For a shutdown hook, when every Spark task slot may be busy with
   * the units it is stopping (a write through Spark would wait for one). Only for tables of
   * strings, numbers and timestamps, and rows of one run (one partition), in the order of the
   * table's {@link TableDef#schema()}.
   */
  public void replaceRunDirectly(String table, String sweep, String runId, List<Row> rows)
      throws java.io.IOException {
    TableDef def = Tables.def(table);
    List<String> columns = List.of(def.schema().fieldNames());
    for (int attempt = 1; ; attempt++) {
      Table t = icebergCatalog().loadTable(id(table));
      Schema schema = t.schema();
      List<Record> records = new ArrayList<>();
      for (Row r : rows) {
        GenericRecord rec = GenericRecord.create(schema);
        for (Types.NestedField f : schema.columns()) {
          int i = columns.indexOf(f.name());
          rec.setField(f.name(), i < 0 || r.isNullAt(i) ? null : value(r.get(i), f.type()));
        }
        records.add(rec);
      }
      // In this thread, not Iceberg's shared pools: a shutdown hook (the INTERRUPTED row) commits
      // while Iceberg's own hook shuts those down.
      java.util.concurrent.ExecutorService direct =
          org.apache.iceberg.relocated.com.google.common.util.concurrent.MoreExecutors
              .newDirectExecutorService();
      org.apache.iceberg.OverwriteFiles overwrite =
          t.newOverwrite().scanManifestsWith(direct).writeManifestsWith(direct, 1);
      if (def.partitionBy().contains("run_id")) {
        overwrite.overwriteByRowFilter(runFilter(sweep, runId));
      } else {
        // A table of one row per run (runs) keeps a sweep's rows in one file, so that listing a
        // sweep's runs reads one file, not one per night: the sweep's other rows are rewritten
        // with this run's, and the commit fails if another driver changed the sweep meanwhile
        // (then it is made again from the new rows).
        org.apache.iceberg.expressions.Expression ofSweep = Expressions.equal("sweep", sweep);
        List<Record> others = new ArrayList<>();
        for (Record old : read(t, ofSweep, direct)) {
          if (!runId.equals(String.valueOf(old.getField("run_id")))) {
            others.add(old);
          }
        }
        others.addAll(records);
        others.sort(sortOrder(def));
        records = others;
        overwrite
            .overwriteByRowFilter(ofSweep)
            .conflictDetectionFilter(ofSweep)
            .validateNoConflictingData()
            .validateNoConflictingDeletes();
        // Without a snapshot read, any data added to the sweep conflicts: from the table's start.
        if (t.currentSnapshot() != null) {
          overwrite.validateFromSnapshot(t.currentSnapshot().snapshotId());
        }
      }
      InternalRecordWrapper wrapper = new InternalRecordWrapper(schema.asStruct());
      // One file per partition (samples: per config), as a Spark write would make.
      java.util.Map<PartitionKey, List<Record>> byPartition = new java.util.LinkedHashMap<>();
      for (Record rec : records) {
        PartitionKey key = new PartitionKey(t.spec(), schema);
        key.partition(wrapper.wrap(rec));
        byPartition.computeIfAbsent(key, k -> new ArrayList<>()).add(rec);
      }
      for (java.util.Map.Entry<PartitionKey, List<Record>> e : byPartition.entrySet()) {
        overwrite.addFile(writeDataFile(t, e.getKey(), e.getValue()));
      }
      try {
        overwrite.commit();
        return;
      } catch (org.apache.iceberg.exceptions.ValidationException e) {
        if (attempt >= MERGE_ATTEMPTS) {
          throw e;
        }
        try {
          Thread.sleep(ThreadLocalRandom.current().nextLong(10, 50L * attempt));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** The write order of {@code def}'s sort columns, nulls first. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static java.util.Comparator<Record> sortOrder(TableDef def) {
    java.util.Comparator<Record> order = (a, b) -> 0;
    for (String c : def.sortBy()) {
      order =
          order.thenComparing(
              r -> (Comparable) r.getField(c),
              java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()));
    }
    return order;
  }

  /** Commits of a sweep's runs rows tried at most, while other drivers change them meanwhile. */
  private static final int MERGE_ATTEMPTS = 20;

  /** The rows of {@code t} that {@code filter} selects, read in this thread. */
  private static List<Record> read(
      Table t, org.apache.iceberg.expressions.Expression filter, ExecutorService direct)
      throws java.io.IOException {
    List<Record> out = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks =
        t.newScan().filter(filter).planWith(direct).planFiles()) {
      for (FileScanTask task : tasks) {
        try (CloseableIterable<Record> records =
            Parquet.read(t.io().newInputFile(task.file().location()))
                .project(t.schema())
                .filter(filter)
                .createReaderFunc(
                    fileSchema -> GenericParquetReaders.buildReader(t.schema(), fileSchema))
                .build()) {
          for (Record r : records) {
            out.add(r.copy());
          }
        }
      }
    }
    return out;
  }

  private static DataFile writeDataFile(Table t, PartitionKey key, List<Record> records)
      throws java.io.IOException {
    String file = UUID.randomUUID() + ".parquet";
    OutputFile out =
        t.io().newOutputFile(t.locationProvider().newDataLocation(t.spec(), key, file));
    DataWriter<Record> writer =
        Parquet.writeData(out)
            .forTable(t)
            .withPartition(key)
            .createWriterFunc(GenericParquetWriter::create)
            .overwrite()
            .build();
    try (writer) {
      records.forEach(writer::write);
    }
    return writer.toDataFile();
  }

  private static org.apache.iceberg.expressions.Expression runFilter(String sweep, String runId) {
    return Expressions.and(Expressions.equal("sweep", sweep), Expressions.equal("run_id", runId));
  }

  /** A Spark row's value as Iceberg's generic writer takes it for a column of {@code type}. */
  private static Object value(Object v, Type type) {
    return switch (type.typeId()) {
      case INTEGER -> ((Number) v).intValue();
      case LONG -> ((Number) v).longValue();
      case FLOAT -> ((Number) v).floatValue();
      case DOUBLE -> ((Number) v).doubleValue();
      case STRING -> v.toString();
      case TIMESTAMP -> {
        java.time.Instant at =
            v instanceof java.sql.Timestamp t ? t.toInstant() : (java.time.Instant) v;
        yield ((Types.TimestampType) type).shouldAdjustToUTC()
            ? OffsetDateTime.ofInstant(at, ZoneOffset.UTC)
            : java.time.LocalDateTime.ofInstant(at, ZoneOffset.UTC);
      }
      default -> v;
    };
  }

  /** The first line of {@code e}'s message, and of its root cause's when that says more. */
  private static String firstLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = line(e) + " (" + e.getClass().getSimpleName() + ")";
    return root == e || line(e).contains(line(root)) ? m : m + ": " + line(root);
  }

  private static String line(Throwable e) {
    String m = String.valueOf(e.getMessage()).strip();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  @Override
  public String toString() {
    return catalog + "." + namespace;
  }
}
