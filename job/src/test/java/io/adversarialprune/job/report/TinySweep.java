package io.adversarialprune.job.report;

import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.sweep.SweepRunner;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * Two real runs of a tiny sweep on the embedded default model and data (2 seeds, 40 images, two
 * attacks and so a worst case).
 */
public final class TinySweep {
  public static final String NAME = "tiny";

  /**
   * Baseline, E (spanning decades, so a log axis), S and R: every chart kind appears; with layer
   * anatomy.
   */
  public static final List<String> OVERRIDES =
      List.of(
          "sweep.name=" + NAME,
          "sweep.anatomy=on",
          "sweep.seeds=[1, 2]",
          "sweep.data.limit=40",
          "sweep.data.shards=1",
          "sweep.attack.steps=2",
          "sweep.attack.batch-size=20",
          "sweep.attacks=[{type=pgd-linf, name=pgd}, {type=fgsm}]",
          "sweep.grid.E=[0.001, 0.05]",
          "sweep.grid.S=[3]",
          "sweep.grid.R=[0.01]");

  public static final int CONFIGS = 5;

  /** The attacks; each config also has a worst-case row. */
  public static final List<String> ATTACKS = List.of("pgd", "fgsm");

  /** Config-level metrics rows per run: each config under each attack and the worst case. */
  public static final int ROWS = CONFIGS * (ATTACKS.size() + 1);

  private TinySweep() {}

  public static SparkSession session(String app) {
    return SparkSession.builder()
        .master("local[2]")
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate();
  }

  /** Runs {@code n1} and then {@code n2} into {@code root}. */
  public static void runTwice(SparkSession spark, String root, String n1, String n2)
      throws java.io.IOException {
    SweepConfig config = SweepConfig.load(null, OVERRIDES);
    new SweepRunner(spark, config, root, n1).run();
    new SweepRunner(spark, config, root, n2).run();
  }
}
