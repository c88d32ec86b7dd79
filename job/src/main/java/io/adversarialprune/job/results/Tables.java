package io.adversarialprune.job.results;

import java.util.ArrayList;
import java.util.List;

/**
 * The results tables ({@link #ALL}), the one place that names them, and how a command opens them:
 * {@link #open} registers the catalog and makes its results namespace the session's current one, so
 * queries name the tables plainly ({@code SELECT ... FROM metrics}) or qualified ({@code
 * results.adversarial_prune.metrics}).
 */
public final class Tables {
  public static final TableDef SAMPLES =
      new TableDef(
          "samples",
          SampleFile.SPARK_SCHEMA,
          List.of("sweep", "run_id", "config_id"),
          List.of("attack", "seed", "id"),
          true);
  public static final TableDef METRICS =
      new TableDef(
          "metrics",
          MetricsTable.SCHEMA,
          List.of("sweep", "run_id"),
          List.of("level", "config_order", "attack_order", "seed"),
          false);
  public static final TableDef PRUNE_STATS =
      new TableDef(
          "prune_stats",
          MetricsTable.PRUNE_STATS,
          List.of("sweep", "run_id"),
          List.of("config_id", "seed", "parameter"),
          false);
  public static final TableDef RUNS =
      new TableDef("runs", RunsTable.SCHEMA, List.of("sweep"), List.of("started_at"), false);
  public static final TableDef ENGINE_CHECKS =
      new TableDef(
          "engine_checks",
          EngineCheckRecord.SCHEMA,
          List.of("sweep", "run_id"),
          List.of("checked_at"),
          false);
  public static final TableDef LAYERS =
      new TableDef(
          "layers",
          LayersTable.SCHEMA,
          List.of("sweep", "run_id"),
          List.of("level", "config_order", "attack_order", "seed", "layer_order"),
          false);

  /** Every results table. */
  public static final List<TableDef> ALL =
      List.of(SAMPLES, METRICS, PRUNE_STATS, RUNS, ENGINE_CHECKS, LAYERS);

  /** Every table's name, in {@link #ALL} order. */
  public static final String[] NAMES = ALL.stream().map(TableDef::name).toArray(String[]::new);

  private Tables() {}

  /** The definition of the table named {@code name}. */
  public static TableDef def(String name) {
    for (TableDef d : ALL) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    throw new IllegalArgumentException("no results table " + name);
  }

  /**
   * Makes {@code catalog}'s results namespace the session's current one.
   *
   * @return the names of the tables it holds, in {@link #ALL} order (empty: no results)
   */
  public static List<String> use(ResultsCatalog catalog) {
    List<String> tables = new ArrayList<>();
    if (!catalog.exists()) {
      return tables;
    }
    catalog.use();
    for (TableDef d : ALL) {
      if (catalog.exists(d.name())) {
        tables.add(d.name());
      }
    }
    return tables;
  }
}
