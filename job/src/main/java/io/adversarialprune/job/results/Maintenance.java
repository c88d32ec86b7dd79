package io.adversarialprune.job.results;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.adversarialprune.job.UserInputException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.actions.DeleteOrphanFiles;
import org.apache.iceberg.actions.SizeBasedFileRewritePlanner;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.spark.actions.SparkActions;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The housekeeping of a results catalog and root ({@code maintain}), with Iceberg's Spark actions.
 * Per results table that exists, in {@link Tables#ALL} order:
 *
 * <ol>
 *   <li><b>Compaction</b>: every partition (a run's slice of a table; {@code samples}: a config's)
 *       holding two small files or more is rewritten into one (bin-packing; the rows are the same),
 *       and the manifests are rewritten into few.
 *   <li><b>Snapshot expiry</b>: snapshots older than {@link Options#olderThan()} are expired, the
 *       current one always kept, and the files only they referenced are deleted (the small files a
 *       compaction replaced among them). Time travel ({@code VERSION AS OF}, {@code TIMESTAMP AS
 *       OF}) then reaches back {@code olderThan} and no further. Nothing the job reads needs more:
 *       {@code report}'s comparison of two runs and the notebooks' night-over-night queries read
 *       both runs from the current snapshot, where every run stays until it is deleted.
 *   <li><b>Orphan files</b>: files under the table's location that no snapshot references (a driver
 *       killed in the middle of a commit leaves such data files) are deleted once they are older
 *       than {@code olderThan} and never younger than {@link #FLOOR}, so the files that a sweep
 *       writing at the same moment has not committed yet are never taken.
 * </ol>
 *
 * Before these, with {@link Options#deleteRunsOlderThan()}, the runs that started before that
 * retention have their rows deleted from every table, the {@code runs} table last: a crash midway
 * leaves the run listed, and the next {@code maintain} finishes the job. After them, the working
 * directories that killed runs left under the results root ({@code _units/SWEEP/RUN_ID}, kept for a
 * resume, and {@code _staging/SWEEP/RUN_ID}) are removed once their newest file is older than
 * {@code olderThan} and {@link #FLOOR} (a removed run's at once), unless the run's lease was
 * renewed within {@link #FLOOR}: its driver is still running.
 *
 * <p>The rows of every table are the same before and after, but for the runs deleted on purpose.
 * Each step is its own Iceberg commit; a sweep committing at the same time either lands first (the
 * step's commit is retried or fails, and the next {@code maintain} does it again) or after.
 *
 * <p>Not thread-safe; one per command, in the driver.
 */
public final class Maintenance {
  /** The youngest an orphan file or a killed run's working directory may be and be removed. */
  public static final Duration FLOOR = Duration.ofDays(1);

  /** The longest duration taken: a century. */
  private static final Duration LONGEST = Duration.ofDays(36_500);

  private static final Pattern DURATION = Pattern.compile("(\\d+)([dhms])");

  /**
   * What to do.
   *
   * @param olderThan snapshots, orphan files and killed runs' working files older than this are
   *     removed (the last two never younger than {@link #FLOOR})
   * @param deleteRunsOlderThan runs that started before this are deleted from every table; null
   *     keeps every run
   */
  public record Options(Duration olderThan, Duration deleteRunsOlderThan) {
    public Options {
      if (olderThan == null || olderThan.isNegative()) {
        throw new IllegalArgumentException("olderThan must be at least 0, got " + olderThan);
      }
      if (deleteRunsOlderThan != null && deleteRunsOlderThan.isNegative()) {
        throw new IllegalArgumentException(
            "deleteRunsOlderThan must be at least 0, got " + deleteRunsOlderThan);
      }
    }
  }

  /** One run of one sweep. */
  public record RunRef(String sweep, String runId) {
    @Override
    public String toString() {
      return sweep + "/" + runId;
    }
  }

  /**
   * What was done to one table.
   *
   * @param dataFilesBefore live data files before compaction
   * @param dataFilesAfter live data files at the end
   * @param snapshotsExpired snapshots expired (the compaction's own included)
   * @param orphanFilesRemoved files deleted as orphans
   */
  public record TableSummary(
      String table,
      long dataFilesBefore,
      long dataFilesAfter,
      int snapshotsExpired,
      long orphanFilesRemoved) {}

  /**
   * What {@link #run} did.
   *
   * @param tables one per table that exists, in {@link Tables#ALL} order
   * @param runsDeleted the runs deleted by the retention
   * @param directoriesRemoved killed runs' working directories removed, relative to the root
   *     ({@code _units/SWEEP/RUN_ID})
   */
  public record Summary(
      List<TableSummary> tables, List<RunRef> runsDeleted, List<String> directoriesRemoved) {}

  private final SparkSession spark;
  private final ResultsCatalog catalog;
  private final ResultsLayout layout;
  private final Clock clock;

  /**
   * @param layout the results root, whose working directories of killed runs are removed
   */
  public Maintenance(SparkSession spark, ResultsCatalog catalog, ResultsLayout layout) {
    this(spark, catalog, layout, Clock.systemUTC());
  }

  Maintenance(SparkSession spark, ResultsCatalog catalog, ResultsLayout layout, Clock clock) {
    this.spark = spark;
    this.catalog = catalog;
    this.layout = layout;
    this.clock = clock;
  }

  /**
   * A duration as the command line gives it: a whole number of days, hours, minutes or seconds
   * ({@code 30d}, {@code 12h}, {@code 90m}, {@code 0s}).
   *
   * @throws UserInputException naming {@code option} when {@code text} is not one
   */
  public static Duration duration(String text, String option) {
    Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (m.matches()) {
      try {
        long n = Long.parseLong(m.group(1));
        Duration d =
            switch (m.group(2)) {
              case "d" -> Duration.ofDays(n);
              case "h" -> Duration.ofHours(n);
              case "m" -> Duration.ofMinutes(n);
              default -> Duration.ofSeconds(n);
            };
        // Subtracted from the clock: a million years would overflow an instant's millis.
        if (d.compareTo(LONGEST) <= 0) {
          return d;
        }
      } catch (ArithmeticException | NumberFormatException e) {
        // too large: said below like any other malformed value
      }
    }
    throw new UserInputException(
        option
            + " must be a whole number of days, hours, minutes or seconds (30d, 12h, 90m, 0s) up"
            + " to 36500d, got '"
            + text
            + "'");
  }

  /** Maintains every results table that exists and the root's working directories. */
  public Summary run(Options options) throws IOException {
    List<String> tables = new ArrayList<>();
    for (TableDef def : Tables.ALL) {
      if (catalog.exists(def.name())) {
        tables.add(def.name());
      }
    }
    List<RunRef> deleted =
        options.deleteRunsOlderThan() == null || !tables.contains(Tables.RUNS.name())
            ? List.of()
            : deleteRuns(tables, clock.instant().minus(options.deleteRunsOlderThan()));
    List<TableSummary> summaries = new ArrayList<>();
    for (String table : tables) {
      summaries.add(maintain(table, options.olderThan()));
    }
    Instant untouched = clock.instant().minus(atLeastFloor(options.olderThan()));
    return new Summary(summaries, deleted, removeLeftovers(untouched, Set.copyOf(deleted)));
  }

  private static Duration atLeastFloor(Duration d) {
    return d.compareTo(FLOOR) < 0 ? FLOOR : d;
  }

  /**
   * Deletes the rows of the runs that started before {@code before} from every table, {@code runs}
   * last. A run whose driver still renews its lease is left alone.
   */
  private List<RunRef> deleteRuns(List<String> tables, Instant before) throws IOException {
    List<RunRef> runs = new ArrayList<>();
    for (Row r :
        catalog
            .read(Tables.RUNS.name())
            .where(col("started_at").lt(lit(Timestamp.from(before))))
            .select("sweep", "run_id")
            .distinct()
            .orderBy("sweep", "run_id")
            .collectAsList()) {
      RunRef run = new RunRef(r.getString(0), r.getString(1));
      if (!leaseRenewed(run)) {
        runs.add(run);
      }
    }
    if (runs.isEmpty()) {
      return runs;
    }
    String where =
        runs.stream()
            .map(
                r -> "(sweep = " + literal(r.sweep()) + " AND run_id = " + literal(r.runId()) + ")")
            .collect(Collectors.joining(" OR "));
    List<String> order = new ArrayList<>(tables);
    // The runs row last: until it goes, the run is listed and the next maintain deletes the rest.
    order.remove(Tables.RUNS.name());
    order.add(Tables.RUNS.name());
    for (String table : order) {
      // Whole partitions of every table but runs: Iceberg drops their files from the metadata.
      // The runs table keeps a sweep's runs in one file, which is rewritten without them.
      spark.sql("DELETE FROM " + catalog.qualified(table) + " WHERE " + where);
    }
    return runs;
  }

  /** A Spark SQL string literal. */
  private static String literal(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  private TableSummary maintain(String name, Duration olderThan) throws IOException {
    SparkActions actions = SparkActions.get(spark);
    Table table = catalog.icebergTable(name);
    long before = dataFiles(table);
    actions
        .rewriteDataFiles(table)
        .binPack()
        // A partition is one run's slice, normally one file: two or more are worth one.
        .option(SizeBasedFileRewritePlanner.MIN_INPUT_FILES, "2")
        .execute();
    table.refresh();
    actions.rewriteManifests(table).execute();
    table.refresh();
    int snapshots = count(table.snapshots());
    actions
        .expireSnapshots(table)
        .expireOlderThan(clock.instant().minus(olderThan).toEpochMilli())
        .retainLast(1)
        .execute();
    table.refresh();
    int expired = snapshots - count(table.snapshots());
    DeleteOrphanFiles.Result orphans =
        actions
            .deleteOrphanFiles(table)
            .olderThan(clock.instant().minus(atLeastFloor(olderThan)).toEpochMilli())
            .execute();
    table.refresh();
    return new TableSummary(
        name, before, dataFiles(table), expired, count(orphans.orphanFileLocations()));
  }

  /** The live data files of the table's current snapshot. */
  private static long dataFiles(Table table) throws IOException {
    Snapshot current = table.currentSnapshot();
    if (current == null) {
      return 0;
    }
    String total = current.summary().get(SnapshotSummary.TOTAL_DATA_FILES_PROP);
    if (total != null) {
      return Long.parseLong(total);
    }
    try (CloseableIterable<?> files = table.newScan().planFiles()) {
      return count(files);
    }
  }

  private static int count(Iterable<?> items) {
    int n = 0;
    for (Object ignored : items) {
      n++;
    }
    return n;
  }

  /**
   * Removes {@code _units/SWEEP/RUN_ID} and {@code _staging/SWEEP/RUN_ID} of runs whose newest file
   * is older than {@code untouched}, or that were {@code deleted}, unless the run's lease was
   * renewed within {@link #FLOOR}.
   *
   * @return the directories removed, relative to the root
   */
  private List<String> removeLeftovers(Instant untouched, Set<RunRef> deleted) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path root = new Path(layout.root());
    FileSystem fs = root.getFileSystem(conf);
    Set<String> removed = new LinkedHashSet<>();
    for (String kind : new String[] {ResultsLayout.UNITS, ResultsLayout.STAGING}) {
      for (FileStatus sweep : directories(fs, new Path(root, kind))) {
        for (FileStatus dir : directories(fs, sweep.getPath())) {
          RunRef run = new RunRef(sweep.getPath().getName(), dir.getPath().getName());
          boolean stale = deleted.contains(run) || newest(fs, dir).isBefore(untouched);
          if (!stale || leaseRenewed(run)) {
            continue;
          }
          if (kind.equals(ResultsLayout.UNITS)) {
            ResultsRoot.removeUnits(layout, run.sweep(), run.runId(), conf);
          } else {
            ResultsRoot.removeStaging(layout, run.sweep(), run.runId(), conf);
          }
          if (!fs.exists(dir.getPath())) {
            removed.add(kind + "/" + run);
          }
        }
      }
    }
    return List.copyOf(removed);
  }

  private static List<FileStatus> directories(FileSystem fs, Path dir) throws IOException {
    List<FileStatus> out = new ArrayList<>();
    try {
      for (FileStatus s : fs.listStatus(dir)) {
        if (s.isDirectory()) {
          out.add(s);
        }
      }
    } catch (FileNotFoundException e) {
      // no such directory: nothing left there
    }
    return out;
  }

  /** The latest modification time of {@code dir} and anything under it. */
  private static Instant newest(FileSystem fs, FileStatus dir) throws IOException {
    long newest = dir.getModificationTime();
    RemoteIterator<LocatedFileStatus> files = fs.listFiles(dir.getPath(), true);
    while (files.hasNext()) {
      newest = Math.max(newest, files.next().getModificationTime());
    }
    return Instant.ofEpochMilli(newest);
  }

  /** Whether the run's lease file was renewed within {@link #FLOOR}: its driver may be running. */
  private boolean leaseRenewed(RunRef run) throws IOException {
    Path lease = layout.lease(run.sweep(), run.runId());
    try {
      FileStatus s =
          lease.getFileSystem(spark.sparkContext().hadoopConfiguration()).getFileStatus(lease);
      return Instant.ofEpochMilli(s.getModificationTime()).isAfter(clock.instant().minus(FLOOR));
    } catch (FileNotFoundException e) {
      return false;
    }
  }
}
