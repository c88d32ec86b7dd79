package io.adversarialprune.job.results;

import io.adversarialprune.job.plan.Unit;
import java.util.Locale;
import org.apache.hadoop.fs.Path;

/**
 * Where a run's files live under one results root, so many sweeps and nightly runs coexist:
 *
 * <pre>
 * ROOT/adversarial_prune/TABLE/{data,metadata}   (the tables, in the embedded Hadoop catalog)
 * ROOT/_units/SWEEP/RUN_ID/CONFIG_ID/ATTACK/seed-K/shard-H/part-0.parquet  (unit info: footer)
 * ROOT/_staging/...   (attempts in flight; cleaned at the end of a run)
 * ROOT/_leases/SWEEP/RUN_ID   (the driver writing that run, while it runs: {@link RunLease})
 * </pre>
 *
 * A (config, attack, seed, shard) unit directory appears under {@code _units} by one atomic rename
 * once its samples are complete: its existence is the unit's commit, which a resumed run keeps. The
 * run's samples reach the {@code samples} table in one commit when the run succeeds; then its units
 * directory is removed. The tables themselves live in a catalog ({@link ResultsCatalog}), by
 * default in this root.
 */
public record ResultsLayout(String root) implements java.io.Serializable {
  public static final String SAMPLE_FILE = "part-0.parquet";

  /** Committed units of runs not yet succeeded, under the root. */
  public static final String UNITS = "_units";

  /** Attempts and driver writes in flight, under the root. */
  public static final String STAGING = "_staging";

  /** Run leases (see {@link RunLease}), under the root. */
  public static final String LEASES = "_leases";

  /**
   * The longest sweep name, run id or attack or transfer name: each is one directory or file name
   * under the root, and file systems allow 255 bytes per name, of which the lease's aside copy
   * ({@code .RUN_ID.stale-UUID}) takes 44 more. Checked at start-up, before anything is written.
   */
  public static final int MAX_NAME_LENGTH = 100;

  /** The committed units of a run, until it succeeds. */
  public Path units(String sweep, String runId) {
    return new Path(new Path(new Path(root, UNITS), sweep), runId);
  }

  /** The directory of a committed unit: its existence is the commit. */
  public Path unit(String sweep, String runId, Unit unit) {
    return new Path(
        new Path(
            new Path(new Path(units(sweep, runId), unit.configId()), unit.attackName()),
            "seed-" + unit.seed()),
        "shard-" + unit.shard());
  }

  public Path staging(String sweep, String runId) {
    return new Path(new Path(new Path(root, STAGING), sweep), runId);
  }

  /** The lease file of a run (see {@link RunLease}). */
  public Path lease(String sweep, String runId) {
    return new Path(new Path(new Path(root, LEASES), sweep), runId);
  }

  /** A unique staging directory for one attempt of one unit. */
  public Path unitAttempt(String sweep, String runId, Unit unit, String attempt) {
    return new Path(
        staging(sweep, runId),
        String.format(
            Locale.ROOT,
            "%s.%s.seed-%d.shard-%d.attempt-%s",
            unit.configId(),
            unit.attackName(),
            unit.seed(),
            unit.shard(),
            attempt));
  }
}
