package io.adversarialprune.job.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.report.TinySweep;
import io.adversarialprune.job.results.ResultsFixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A feature-map clamp sweep on the embedded default, end to end, and its start-up checks. */
class ClampSweepTest {
  private static SparkSession spark;

  /**
   * Baseline, A=3 and E=0.01+A=3 under PGD exact and straight-through, 20 images, with layer
   * anatomy.
   */
  private static final List<String> SMALL =
      List.of(
          "sweep.name=clamped",
          "sweep.anatomy=on",
          "sweep.data.limit=20",
          "sweep.data.shards=1",
          "sweep.attack.eps=0.1",
          "sweep.attack.alpha=0.02",
          "sweep.attack.steps=2",
          "sweep.attack.batch-size=20",
          "sweep.attacks=[{type=pgd-linf, name=pgd},"
              + " {type=pgd-linf, name=pgd-st, clamp-gradient=straight-through}]",
          "sweep.prune.calibration-images=20",
          "sweep.grid.A=[3]",
          "sweep.grid.composite=[\"E=0.01+A=3\"]");

  /** Probed layers of the embedded default but logits: what the clamp takes by default. */
  private static final List<String> CLAMPED =
      List.of("conv1", "bn1", "relu", "layer1", "layer2", "layer3", "avgpool");

  @TempDir static Path tmp;

  @BeforeAll
  static void startSpark() {
    spark = TinySweep.session("ClampSweepTest");
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void aClampSweepRecordsItsLayersAndFlagsAgainstItsStraightThroughTwin() throws IOException {
    String root = tmp.resolve("clamp").toString();
    SweepRunner.Summary summary =
        new SweepRunner(spark, SweepConfig.load(null, SMALL), root, "c1").run();
    assertThat(summary.units()).isEqualTo(3 * 2);
    ResultsFixtures.use(spark, root);

    List<Row> layers =
        spark
            .sql(
                "SELECT config_id, parameter, elements, changed FROM prune_stats"
                    + " WHERE parameter LIKE 'clamp:%' ORDER BY config_id, parameter")
            .collectAsList();
    List<String> expected = new ArrayList<>();
    for (String config : List.of("A_3", "E_0.01+A_3")) {
      for (String layer : CLAMPED.stream().sorted().toList()) {
        expected.add(config + "/clamp:" + layer);
      }
    }
    assertThat(layers)
        .extracting(r -> r.getString(0) + "/" + r.getString(1))
        .containsExactlyElementsOf(expected);
    // conv1's activations of 20 calibration images: 20 x 16 x 28 x 28 values, a few clipped.
    Row conv1 = layers.stream().filter(r -> r.getString(1).equals("clamp:conv1")).findFirst().get();
    assertThat(conv1.getLong(2)).isEqualTo(20L * 16 * 28 * 28);
    assertThat(conv1.getLong(3)).isPositive().isLessThan(conv1.getLong(2) / 10);

    List<Row> metrics =
        spark
            .sql(
                "SELECT config_id, attack, adv_correct, prune_ratio, masking_suspect FROM metrics"
                    + " WHERE level = 'config' AND attack != 'worst-case'"
                    + " ORDER BY config_order, attack_order")
            .collectAsList();
    assertThat(metrics)
        .extracting(r -> r.getString(0) + "/" + r.getString(1))
        .containsExactly(
            "baseline/pgd",
            "baseline/pgd-st",
            "A_3/pgd",
            "A_3/pgd-st",
            "E_0.01+A_3/pgd",
            "E_0.01+A_3/pgd-st");
    assertThat(metrics.get(1).getLong(2))
        .as("without a clamp the straight-through attack is the same attack")
        .isEqualTo(metrics.get(0).getLong(2));
    assertThat(metrics.get(2).getDouble(3)).as("A changes no weight").isZero();
    assertThat(metrics.get(4).getDouble(3)).isPositive();
    assertThat(metrics.get(2).isNullAt(4)).as("flag of A_3/pgd").isFalse();

    // Anatomy of a clamped config is the clamped network's: its clean activations differ from the
    // unclamped baseline's (A changes no weight) and do not depend on the attack's gradient.
    List<Row> clean =
        spark
            .sql(
                "SELECT config_id, attack, clean_mean, clean_std FROM layers"
                    + " WHERE level = 'config' AND layer = 'layer3' AND target IS NULL"
                    + " AND config_id IN ('baseline', 'A_3')"
                    + " ORDER BY config_order, attack_order")
            .collectAsList();
    assertThat(clean)
        .extracting(r -> r.getString(0) + "/" + r.getString(1))
        .containsExactly("baseline/pgd", "baseline/pgd-st", "A_3/pgd", "A_3/pgd-st");
    assertThat(clean.get(2).getDouble(3))
        .as("layer3's clean std through the clamp")
        .isLessThan(clean.get(0).getDouble(3));
    assertThat(clean.get(3).getDouble(2)).isEqualTo(clean.get(2).getDouble(2));

    long checks = spark.sql("SELECT * FROM engine_checks WHERE run_id = 'c1'").count();
    assertThat(checks).as("the plain model, then each clamp (both on one slot)").isGreaterThan(1);
  }

  @Test
  void theClampsStartUpProblemsAreReportedTogether() {
    List<String> overrides = new ArrayList<>(SMALL);
    overrides.addAll(
        List.of(
            "sweep.data.limit=0",
            "sweep.data.shards=1",
            "sweep.prune.clamp-layers=\"layer3|layer9\""));
    SweepConfig config = SweepConfig.load(null, overrides);
    assertThatThrownBy(
            () -> new SweepRunner(spark, config, tmp.resolve("bad").toString(), "b").run())
        .isInstanceOf(UserInputException.class)
        .hasMessageContaining("(2 problems)")
        .hasMessageContaining("sweep.prune.calibration-images is 20")
        .hasMessageContaining("(0: all of them)")
        .hasMessageContaining("set sweep.data.limit to at most")
        .hasMessageNotContaining("calibration-images to at most 0")
        .hasMessageContaining("sweep.prune.clamp-layers names layer 'layer9'")
        .hasMessageContaining("conv1, bn1, relu, layer1, layer2, layer3, avgpool, logits");
  }

  @Test
  void aModelWithoutProbesIsRefusedNamingTheMethodsAndTheExportTool() {
    String tiny =
        Path.of("../udfs/src/test/resources/fixtures/tiny.pt").toAbsolutePath().toString();
    List<String> overrides = new ArrayList<>(SMALL);
    overrides.addAll(
        List.of(
            "sweep.model.path=\"" + tiny + "\"",
            "sweep.model.input.height=8",
            "sweep.model.input.width=8",
            "sweep.model.resize=8",
            "sweep.model.mean=[0.5]",
            "sweep.model.std=[0.25]"));
    SweepConfig config = SweepConfig.load(null, overrides);
    assertThatThrownBy(
            () -> new SweepRunner(spark, config, tmp.resolve("plain").toString(), "p").run())
        .isInstanceOf(UserInputException.class)
        .hasMessageContaining("has no method probe_names, features, forward_clamped")
        .hasMessageContaining("deploy/models/export_model.py");
  }
}
