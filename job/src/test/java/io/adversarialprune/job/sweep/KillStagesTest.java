package io.adversarialprune.job.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.ChildJvm;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.report.TinySweep;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.ResultsFixtures;
import io.adversarialprune.job.results.Tables;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A driver killed after each step of its commit path, then resumed with the same run id, ends with
 * tables equal, by a hash of their sorted rows, to an uninterrupted run's: no row lost, none
 * duplicated. The driver runs in a JVM of its own and halts after the step ({@link HaltPoint}, as
 * SIGKILL would stop it there); the resume runs here. Between the two, every table the killed
 * driver committed holds the run's rows whole, and the ones it did not reach hold none.
 */
class KillStagesTest {
  private static final String RUN = "night";
  private static final List<String> SWEEP =
      List.of(
          "sweep.name=killed",
          "sweep.anatomy=on",
          "sweep.data.limit=40",
          "sweep.data.shards=2",
          "sweep.attack.steps=2",
          "sweep.attack.batch-size=20",
          "sweep.attacks=[{type=pgd-linf, name=pgd}, {type=fgsm}]",
          "sweep.grid={E=[0.05]}");

  /** The tables whose every value is deterministic, and the columns that are not (timings). */
  private static final Map<String, List<String>> COMPARED =
      Map.of(
          Tables.SAMPLES.name(), List.of(),
          Tables.METRICS.name(), List.of("images_per_sec"),
          Tables.PRUNE_STATS.name(), List.of(),
          Tables.LAYERS.name(), List.of());

  private static SparkSession spark;
  @TempDir static Path tmp;
  private static Map<String, String> reference;
  private static Map<String, Long> referenceCounts;

  @BeforeAll
  static void uninterrupted() throws Exception {
    spark = TinySweep.session("KillStagesTest");
    Path root = tmp.resolve("reference");
    new SweepRunner(spark, SweepConfig.load(null, SWEEP), root.toString(), RUN).run();
    reference = hashes(root);
    referenceCounts = counts(root);
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @ParameterizedTest(name = "killed after {0}")
  @ValueSource(strings = {"units", "engine_checks", "samples", "metrics", "succeeded"})
  void aDriverKilledAfterAStepResumesToTheTablesOfAnUninterruptedRun(String step) throws Exception {
    Path root = tmp.resolve(step);
    Path log = tmp.resolve(step + ".log");
    List<String> args =
        new ArrayList<>(List.of("run", "--results", root.toString(), "--run-id", RUN));
    SWEEP.forEach(s -> args.addAll(List.of("--set", s)));
    Process driver =
        new ProcessBuilder(
                ChildJvm.command(
                    List.of(
                        "-D" + HaltPoint.PROPERTY + "=" + step,
                        "-Djava.io.tmpdir=" + Files.createDirectories(tmp.resolve(step + "-tmp"))),
                    args))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertThat(driver.waitFor(4, TimeUnit.MINUTES)).as("driver halted in time").isTrue();
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(driver.exitValue()).as(out).isEqualTo(HaltPoint.STATUS);
    assertThat(out).contains("halt after " + step);

    // What a reader sees between the kill and the resume: whole tables, or none of the run.
    Map<String, Long> seen = counts(root);
    List<String> order =
        List.of(Tables.SAMPLES.name(), Tables.METRICS.name(), Tables.PRUNE_STATS.name());
    int reached = List.of("units", "engine_checks", "samples", "metrics").indexOf(step);
    for (int i = 0; i < order.size(); i++) {
      String table = order.get(i);
      boolean committed = step.equals("succeeded") || i < reached - 1;
      assertThat(seen.get(table))
          .as("%s after a kill after %s", table, step)
          .isEqualTo(committed ? referenceCounts.get(table) : 0L);
    }

    new SweepRunner(spark, SweepConfig.load(null, SWEEP), root.toString(), RUN).run();

    assertThat(hashes(root)).isEqualTo(reference);
    ResultsCatalog catalog = ResultsFixtures.open(spark, root.toString());
    List<Row> runs = catalog.readRun(Tables.RUNS.name(), "killed", RUN);
    assertThat(runs).hasSize(1);
    assertThat(runs.get(0).<String>getAs("status")).isEqualTo("SUCCEEDED");
    Dataset<Row> checks = catalog.read(Tables.ENGINE_CHECKS.name()).where("run_id = '" + RUN + "'");
    assertThat(checks.count()).as("engine checks recorded").isPositive();
    assertThat(checks.where("NOT passed").count()).isZero();
    assertThat(checks.distinct().count()).as("no check row twice").isEqualTo(checks.count());
  }

  /** Per compared table, a SHA-256 of its sorted rows (without the columns that are timings). */
  private static Map<String, String> hashes(Path root) throws Exception {
    ResultsCatalog catalog = ResultsFixtures.open(spark, root.toString());
    Map<String, String> out = new LinkedHashMap<>();
    for (String table :
        List.of(
            Tables.SAMPLES.name(),
            Tables.METRICS.name(),
            Tables.PRUNE_STATS.name(),
            Tables.LAYERS.name())) {
      Dataset<Row> rows = catalog.read(table);
      List<String> dropped = COMPARED.get(table);
      Column[] kept =
          Arrays.stream(rows.columns())
              .filter(c -> !dropped.contains(c))
              .map(org.apache.spark.sql.functions::col)
              .toArray(Column[]::new);
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Row r : rows.select(kept).orderBy(kept).collectAsList()) {
        sha.update(r.toString().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
      }
      out.put(table, HexFormat.of().formatHex(sha.digest()));
    }
    return out;
  }

  private static Map<String, Long> counts(Path root) {
    ResultsCatalog catalog = ResultsFixtures.open(spark, root.toString());
    Map<String, Long> out = new LinkedHashMap<>();
    for (String table : COMPARED.keySet()) {
      Dataset<Row> rows = catalog.read(table);
      out.put(table, rows == null ? 0L : rows.count());
    }
    return out;
  }
}
