package io.adversarialprune.job.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.config.NamedAttack;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.plan.ConfigEntry;
import io.adversarialprune.job.plan.SweepPlan;
import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.job.results.MetricsTable;
import io.adversarialprune.job.results.UnitInfo;
import io.adversarialprune.job.results.WorstCase;
import io.adversarialprune.udfs.attack.AttackSpec;
import io.adversarialprune.udfs.attack.AutoAttack;
import io.adversarialprune.udfs.metrics.OutcomeCounts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * For every attack type ({@link io.adversarialprune.udfs.attack.AttackType#types()}): the metrics
 * rows the aggregation writes carry its spec's identity ({@code norm}, {@code eps}, {@code steps},
 * {@code queries}, {@code gradient_free}), and the gradient-free masking check takes the type as a
 * gradient attack exactly when it follows the gradient, in the report's {@link MaskingChecks} and
 * in notebook query 09 alike. Each sweep pairs the type ({@code t}) with Square ({@code sq}) at its
 * norm and eps, Square far below it: a gradient attack is flagged, anything else gives no
 * gradient-free check.
 */
class AttackIdentityTest {
  private static final String QUERY_09 = "09_gradient_masking.sql";
  private static final String IDENTITY = "norm, eps, steps, queries, gradient_free";

  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = TinySweep.session("AttackIdentityTest");
    spark
        .sql(
            "SELECT * FROM VALUES ('s', 'r', 'SUCCEEDED', TIMESTAMP'2026-01-01 00:00:00')"
                + " AS runs(sweep, run_id, status, started_at)")
        .createOrReplaceTempView("runs");
    spark.conf().set("ap.sweep", "s");
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  static Stream<String> types() {
    return io.adversarialprune.udfs.attack.AttackType.types().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("types")
  void theRowsCarryTheSpecsIdentity(String type) {
    SweepPlan plan = planWithSquare(type);
    AttackSpec spec = attack(plan, "t").spec();
    List<Row> rows = MetricsTable.aggregate("s", "r", plan, infos(plan), worst(plan)).metrics();

    Boolean gradientFree = expectedGradientFree(spec);
    for (Row r : rows) {
      if (r.getAs("attack").equals("t")) {
        assertThat(r.<String>getAs("norm")).isEqualTo(spec.norm());
        assertThat(r.<Double>getAs("eps")).isEqualTo(spec.eps());
        assertThat(r.<Boolean>getAs("gradient_free")).isEqualTo(gradientFree);
        assertThat(r.<Integer>getAs("steps"))
            .isEqualTo(Boolean.FALSE.equals(gradientFree) ? spec.iterations() : null);
        assertThat(r.<Integer>getAs("queries"))
            .isEqualTo(Boolean.TRUE.equals(gradientFree) ? spec.iterations() : null);
      } else if (r.getAs("attack").equals(SweepPlan.WORST_CASE)) {
        for (String c : IDENTITY.split(", ")) {
          assertThat(r.<Object>getAs(c)).as(c).isNull();
        }
      }
    }
  }

  /**
   * What {@code gradient_free} says of {@code spec}, by the definition: the spec's own, but null
   * for an ensemble whose members are of both kinds.
   */
  private static Boolean expectedGradientFree(AttackSpec spec) {
    if (spec instanceof AutoAttack a) {
      assertThat(a.members()).anyMatch(AttackSpec::gradientFree);
      assertThat(a.members()).anyMatch(m -> !m.gradientFree());
      return null;
    }
    return spec.gradientFree();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("types")
  void everyGradientAttackAndNoOtherTakesPartInTheGradientFreeCheck(String type) throws Exception {
    SweepPlan plan = planWithSquare(type);
    List<Row> metrics = MetricsTable.aggregate("s", "r", plan, infos(plan), worst(plan)).metrics();
    boolean gradient = Boolean.FALSE.equals(expectedGradientFree(attack(plan, "t").spec()));

    List<MaskingChecks.Check> java = MaskingChecks.of(configRows(metrics));
    List<Row> sql = query09(metrics);

    List<MaskingChecks.Check> javaGradientFree =
        java.stream().filter(c -> c.check().equals(MaskingChecks.GRADIENT_FREE)).toList();
    List<Row> sqlGradientFree =
        sql.stream().filter(r -> r.getAs("check").equals(MaskingChecks.GRADIENT_FREE)).toList();
    int configs = plan.configs().size();
    if (gradient) {
      assertThat(javaGradientFree).hasSize(configs);
      assertThat(javaGradientFree)
          .allSatisfy(
              c -> {
                assertThat(c.attack()).isEqualTo("t");
                assertThat(c.evidence()).isEqualTo("sq");
                assertThat(c.flagged()).isTrue();
              });
      assertThat(sqlGradientFree).hasSize(configs);
      assertThat(sqlGradientFree)
          .allSatisfy(
              r -> {
                assertThat(r.<String>getAs("attack")).isEqualTo("t");
                assertThat(r.<String>getAs("evidence")).isEqualTo("sq");
                assertThat(r.<Boolean>getAs("flagged")).isTrue();
              });
    } else {
      assertThat(javaGradientFree).isEmpty();
      assertThat(sqlGradientFree).isEmpty();
    }
    assertSameChecks(java, sql);
  }

  @Test
  void rowsWrittenBeforeTheIdentityColumnsTakeNoPartInTheGradientFreeCheck() throws Exception {
    SweepPlan plan = planWithSquare("pgd-linf");
    List<Row> metrics = MetricsTable.aggregate("s", "r", plan, infos(plan), worst(plan)).metrics();
    // as an older job's table has them (before the next run adds the columns) ...
    List<ConfigMetrics> lacking = configRows(without(metrics, IDENTITY.split(", ")));
    assertThat(lacking).noneMatch(ConfigMetrics::identified);
    assertThat(MaskingChecks.of(lacking)).isEmpty();
    assertThat(MaskingChecks.byEvidence(lacking)).isEmpty();
    // ... and as it reads them after: null
    List<Row> nulled = nulled(metrics, IDENTITY.split(", "));
    assertThat(MaskingChecks.of(configRows(nulled))).isEmpty();
    assertThat(query09(nulled)).isEmpty();
    // the same rows with the columns give the check
    assertThat(MaskingChecks.of(configRows(metrics))).isNotEmpty();
  }

  /** A sweep of one seed: {@code type} as {@code t}, and Square as {@code sq} at its norm. */
  private static SweepPlan planWithSquare(String type) {
    String norm = attack(plan("[{type=" + type + ", name=t}]"), "t").spec().norm();
    return plan("[{type=" + type + ", name=t}, {type=square, name=sq, norm=" + norm + "}]");
  }

  private static SweepPlan plan(String attacks) {
    SweepConfig config =
        SweepConfig.load(
            null, List.of("sweep.grid.E=[0.05]", "sweep.seeds=[7]", "sweep.attacks=" + attacks));
    return SweepPlan.of(config, new long[] {0, 100});
  }

  private static NamedAttack attack(SweepPlan plan, String name) {
    return plan.attacks().stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
  }

  /** Every unit of 100 samples, 90 correct: {@code t} leaves 80, Square 10. */
  private static Map<Unit, UnitInfo> infos(SweepPlan plan) {
    Map<Unit, UnitInfo> infos = new HashMap<>();
    for (Unit u : plan.units()) {
      long adv = u.attackName().equals("t") ? 80 : 10;
      infos.put(
          u,
          new UnitInfo(
              u.configId(),
              u.attackName(),
              u.seed(),
              u.shard(),
              new OutcomeCounts(100, 90, adv, 90 - adv, 90 - adv),
              null,
              1.0,
              2.0,
              0.5,
              "cpu()",
              "h",
              1000,
              0,
              List.of(),
              Map.of(),
              null));
    }
    return infos;
  }

  private static Map<WorstCase.Key, WorstCase.Counts> worst(SweepPlan plan) {
    Map<WorstCase.Key, WorstCase.Counts> worst = new HashMap<>();
    for (ConfigEntry c : plan.configs()) {
      for (long seed : plan.seeds()) {
        worst.put(
            new WorstCase.Key(c.id(), seed),
            new WorstCase.Counts(new OutcomeCounts(100, 90, 10, 80, 80), null));
      }
    }
    return worst;
  }

  /** The config-level rows, as the report reads them. */
  private static List<ConfigMetrics> configRows(List<Row> metrics) {
    return metrics.stream()
        .filter(r -> r.getAs("level").equals(MetricsTable.CONFIG))
        .map(ConfigMetrics::from)
        .toList();
  }

  private static List<Row> query09(List<Row> metrics) throws Exception {
    spark.createDataFrame(metrics, metrics.get(0).schema()).createOrReplaceTempView("metrics");
    return spark.sql(Files.readString(Path.of("..", "notebooks", "sql", QUERY_09))).collectAsList();
  }

  private static void assertSameChecks(List<MaskingChecks.Check> java, List<Row> sql) {
    assertThat(java).hasSameSizeAs(sql);
    for (int i = 0; i < sql.size(); i++) {
      Row r = sql.get(i);
      MaskingChecks.Check c = java.get(i);
      assertThat(c.row().configId()).isEqualTo(r.<String>getAs("config_id"));
      assertThat(c.check()).isEqualTo(r.<String>getAs("check"));
      assertThat(c.attack()).isEqualTo(r.<String>getAs("attack"));
      assertThat(c.evidence()).isEqualTo(r.<String>getAs("evidence"));
      assertThat(c.flagged()).isEqualTo(r.<Boolean>getAs("flagged"));
    }
  }

  /** The rows less {@code columns}. */
  private static List<Row> without(List<Row> rows, String... columns) {
    List<String> drop = List.of(columns);
    List<StructField> kept = new ArrayList<>();
    for (StructField f : rows.get(0).schema().fields()) {
      if (!drop.contains(f.name())) {
        kept.add(f);
      }
    }
    StructType schema = new StructType(kept.toArray(StructField[]::new));
    return rows.stream()
        .map(
            r -> {
              Object[] v = kept.stream().map(f -> r.getAs(f.name())).toArray();
              return (Row)
                  new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(v, schema);
            })
        .toList();
  }

  /** The rows with {@code columns} null. */
  private static List<Row> nulled(List<Row> rows, String... columns) {
    List<String> blank = List.of(columns);
    StructType schema = rows.get(0).schema();
    return rows.stream()
        .map(
            r -> {
              Object[] v = new Object[r.size()];
              for (int i = 0; i < v.length; i++) {
                v[i] = blank.contains(schema.fields()[i].name()) ? null : r.get(i);
              }
              return (Row)
                  new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(v, schema);
            })
        .toList();
  }
}
