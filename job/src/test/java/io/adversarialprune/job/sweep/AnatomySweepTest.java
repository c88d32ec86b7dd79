package io.adversarialprune.job.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.results.ResultsFixtures;
import io.adversarialprune.job.results.Tables;
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

/** Layer anatomy through the whole sweep, on the embedded default (exported with probes). */
class AnatomySweepTest {
  private static final List<String> LAYERS =
      List.of("conv1", "bn1", "relu", "layer1", "layer2", "layer3", "avgpool", "logits");

  private static SparkSession spark;

  @TempDir static Path tmp;

  @BeforeAll
  static void startSpark() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("AnatomySweepTest")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private static List<String> config(String anatomy, int shards) {
    return List.of(
        "sweep.name=anatomy",
        "sweep.anatomy=" + anatomy,
        "sweep.data.limit=24",
        "sweep.data.shards=" + shards,
        "sweep.attack.steps=2",
        "sweep.attack.batch-size=8",
        "sweep.grid.E=[0.05]");
  }

  private static List<Row> run(String root, List<String> config) throws IOException {
    new SweepRunner(spark, SweepConfig.load(null, config), root, "r").run();
    ResultsFixtures.use(spark, root);
    return spark
        .sql(
            "SELECT config_id, level, seed, layer, layer_order, samples, clean_mean, clean_std,"
                + " adv_mean, adv_std, relative_l2, changed_fraction, max_ratio, clean_tail,"
                + " adv_tail, tail_ratio FROM layers"
                + " ORDER BY config_id, level, layer_order")
        .collectAsList();
  }

  @Test
  void everyLayerOfEveryConfigGetsOneRowPerLevelWhateverTheSharding() throws IOException {
    List<Row> two = run(tmp.resolve("two").toString(), config("on", 2));
    List<Row> one = run(tmp.resolve("one").toString(), config("on", 1));
    // 2 configs x (seed level + config level) x 8 layers
    assertThat(two).hasSize(2 * 2 * LAYERS.size());
    assertThat(two.subList(0, LAYERS.size()))
        .extracting(r -> r.getString(3))
        .containsExactlyElementsOf(LAYERS);
    assertThat(two).allSatisfy(r -> assertThat(r.getLong(5)).isEqualTo(24));
    // The attack moves the input and reaches the logits.
    assertThat(two)
        .filteredOn(r -> r.getString(3).equals("logits"))
        .allSatisfy(r -> assertThat(r.getDouble(10)).isPositive());
    // Two shards merged equal one shard: the statistics are partial sums (up to their rounding).
    for (int i = 0; i < two.size(); i++) {
      Row a = two.get(i);
      Row b = one.get(i);
      for (int col = 0; col < 5; col++) {
        assertThat(a.get(col)).isEqualTo(b.get(col));
      }
      for (int col = 6; col < a.size(); col++) {
        assertThat(a.getDouble(col))
            .as("%s %s %s", a.getString(0), a.getString(3), col)
            .isCloseTo(b.getDouble(col), org.assertj.core.api.Assertions.withinPercentage(1e-6));
      }
    }
  }

  @Test
  void withAnatomyOffThereAreNoLayersRowsAndTheSamplesAreTheSame() throws IOException {
    String off = tmp.resolve("off").toString();
    String on = tmp.resolve("on").toString();
    new SweepRunner(spark, SweepConfig.load(null, config("off", 2)), off, "r").run();
    new SweepRunner(spark, SweepConfig.load(null, config("on", 2)), on, "r").run();
    // Every table is created before a run writes anything; with anatomy off, layers stays empty.
    assertThat(ResultsFixtures.rows(spark, off, Tables.LAYERS.name(), null, null)).isEmpty();
    assertThat(ResultsFixtures.rows(spark, on, Tables.LAYERS.name(), null, null)).isNotEmpty();
    assertThat(samples(off)).isEqualTo(samples(on)).hasSize(2 * 24);
  }

  private static List<String> samples(String root) {
    List<String> out = new ArrayList<>();
    for (Row r :
        ResultsFixtures.open(spark, root)
            .read(Tables.SAMPLES.name())
            .orderBy("config_id", "id")
            .select("config_id", "id", "clean_pred", "adv_pred", "clean_loss", "adv_loss", "linf")
            .collectAsList()) {
      out.add(r.toString());
    }
    return out;
  }
}
