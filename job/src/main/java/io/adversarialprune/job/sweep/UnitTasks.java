package io.adversarialprune.job.sweep;

import io.adversarialprune.job.check.CheckFailureWatch;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.executor.EngineCheckFailedException;
import io.adversarialprune.job.executor.RunUnits;
import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.job.results.ResultsLayout;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * The driver's side of running a run's units on executors: Spark jobs of {@link RunUnits} tasks,
 * with the run's {@link Progress} and a {@link CheckFailureWatch} that ends a job at the first
 * failed engine check. One per run; driver only.
 */
final class UnitTasks {
  private final SparkSession spark;
  private final SweepConfig config;
  private final ResultsLayout layout;
  private final String runId;
  private final String leaseToken;

  /**
   * @param leaseToken the run's lease token ({@link
   *     io.adversarialprune.job.results.RunLease#token()}): a unit commits only while the lease
   *     file still names it
   */
  UnitTasks(
      SparkSession spark,
      SweepConfig config,
      ResultsLayout layout,
      String runId,
      String leaseToken) {
    this.spark = spark;
    this.config = config;
    this.layout = layout;
    this.runId = runId;
    this.leaseToken = leaseToken;
  }

  /**
   * Runs the pending units as {@link #tasks} Spark tasks of consecutive units, without a shuffle.
   * Several units per task amortize the task's fixed cost; each unit still commits on its own. The
   * baseline units that keep their adversarial images run first, in a job of their own, so that
   * every pruned unit finds the images it judges (transfer from baseline).
   */
  List<RunUnits.Outcome> run(List<Unit> all, List<Unit> pending, long[] calibration)
      throws IOException {
    if (pending.isEmpty()) {
      return List.of();
    }
    List<List<Unit>> phases = new ArrayList<>();
    List<Unit> baseline = pending.stream().filter(Unit::keepAdversarial).toList();
    List<Unit> rest = pending.stream().filter(u -> !u.keepAdversarial()).toList();
    for (List<Unit> phase : List.of(baseline, rest)) {
      if (!phase.isEmpty()) {
        phases.add(phase);
      }
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SweepConfig> bc = jsc.broadcast(config);
    String group = "sweep-" + config.name() + "-" + runId;
    try (Progress progress =
            new Progress(
                layout,
                config.name(),
                runId,
                spark.sparkContext().hadoopConfiguration(),
                all,
                pending);
        CheckFailureWatch watch = new CheckFailureWatch(spark.sparkContext(), group)) {
      progress.start();
      List<RunUnits.Outcome> outcomes = new ArrayList<>();
      for (List<Unit> phase : phases) {
        // A task takes whole (config, seed, shard) groups: their attacks share one pruning.
        List<List<Unit>> groups = groups(phase);
        int tasks = tasks(groups.size(), jsc.defaultParallelism());
        spark
            .sparkContext()
            .setJobGroup(
                group,
                "sweep "
                    + config.name()
                    + " run "
                    + runId
                    + ": "
                    + phase.size()
                    + " units in "
                    + tasks
                    + " tasks"
                    + (phase == baseline ? " (the baseline first)" : ""),
                false);
        try {
          outcomes.addAll(
              jsc.parallelize(groups, tasks)
                  .flatMap(List::iterator)
                  .mapPartitions(
                      new RunUnits(
                          bc,
                          layout,
                          runId,
                          spark.sparkContext().applicationId(),
                          leaseToken,
                          calibration))
                  .collect());
        } catch (Exception e) { // Spark's SparkException is checked but not declared by collect()
          // An executor whose engine check failed says so itself, not as a stage failure.
          for (Throwable c = e; c != null && c.getCause() != c; c = c.getCause()) {
            if (c instanceof EngineCheckFailedException failed) {
              throw failed;
            }
          }
          throw watch.failure().orElseThrow(() -> jobFailure(e));
        }
        // A failed check whose task a retry on another executor then completed.
        if (watch.failure().isPresent()) {
          throw watch.failure().get();
        }
      }
      return outcomes;
    } finally {
      spark.sparkContext().clearJobGroup();
      bc.destroy();
    }
  }

  /** Consecutive units of one (config, seed, shard): the attacks of one pruned model. */
  static List<List<Unit>> groups(List<Unit> units) {
    List<List<Unit>> groups = new ArrayList<>();
    List<Unit> current = new ArrayList<>();
    for (Unit u : units) {
      if (!current.isEmpty()) {
        Unit last = current.get(current.size() - 1);
        if (!last.config().equals(u.config())
            || last.seed() != u.seed()
            || last.shard() != u.shard()) {
          groups.add(current);
          current = new ArrayList<>();
        }
      }
      current.add(u);
    }
    if (!current.isEmpty()) {
      groups.add(current);
    }
    return groups;
  }

  private static RuntimeException jobFailure(Exception e) {
    return e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
  }

  /**
   * How many tasks run {@code units} units (or groups of units) on a cluster of {@code slots}
   * default parallelism: up to {@link #TASKS_PER_SLOT} per slot, so that the last wave is short (a
   * slot that finishes early idles while the others run their last task: with the default sweep's
   * 20 pruned units in 7 tasks of 3, one of two slots ran 11 units and the other 9, the last two on
   * one core) and a lost executor loses little; each with as many units as needed to keep to that
   * many per slot ({@code parallelize} then splits the units evenly, so task sizes differ by at
   * most one unit), but at most {@link #UNITS_PER_TASK}: default parallelism counts the executor
   * cores registered when the sweep starts, which on a cluster still starting up may be far fewer
   * than it will have. Never more than one task per unit.
   */
  static int tasks(int units, int slots) {
    int perTask =
        Math.min(UNITS_PER_TASK, ceilDiv(Math.max(1, units), TASKS_PER_SLOT * Math.max(1, slots)));
    return ceilDiv(Math.max(1, units), perTask);
  }

  /** Tasks per slot a sweep is cut into at most, while units last (a task costs tens of ms). */
  static final int TASKS_PER_SLOT = 16;

  /** Units one task runs at most; enough to share a task's fixed cost (tens of ms). */
  static final int UNITS_PER_TASK = 4;

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
