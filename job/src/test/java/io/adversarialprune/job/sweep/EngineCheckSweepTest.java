package io.adversarialprune.job.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.Main;
import io.adversarialprune.job.report.TinySweep;
import io.adversarialprune.job.results.ResultsFixtures;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.job.results.Tables;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine check in real local[2] sweeps: the embedded default passes and its figures are
 * recorded; a model whose gradient lies (udfs' lying-sign.pt, a real TorchScript) stops the run
 * with exit 1 before any unit commits, unless the check is turned down to warn.
 */
class EngineCheckSweepTest {
  private static SparkSession spark;

  /** 2 configs x 1 seed x 2 shards on 24 images, batch 10: checked at batch 10 and 2. */
  private static final List<String> SMALL =
      List.of(
          "sweep.name=checked",
          "sweep.data.limit=24",
          "sweep.data.shards=2",
          "sweep.attack.steps=2",
          "sweep.attack.batch-size=10",
          "sweep.grid.E=[0.01]");

  /** The udfs fixture whose forward is tiny.pt's and whose input gradient is negated. */
  private static final String LYING =
      Path.of("../udfs/src/test/resources/fixtures/lying-sign.pt").toAbsolutePath().toString();

  /** tiny.pt takes [N,1,8,8]: Fashion-MNIST resized to 8x8, the fixture's normalization. */
  private static final List<String> ON_LYING_MODEL =
      List.of(
          "sweep.model.path=\"" + LYING + "\"",
          "sweep.model.input.height=8",
          "sweep.model.input.width=8",
          "sweep.model.resize=8",
          "sweep.model.mean=[0.5]",
          "sweep.model.std=[0.25]");

  @TempDir static Path tmp;

  @BeforeAll
  static void startSpark() {
    spark = TinySweep.session("EngineCheckSweepTest");
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void theEmbeddedDefaultPassesAndEveryCheckIsRecorded() throws IOException {
    Path root = tmp.resolve("default");
    Run run = run(root, "d1", SMALL);
    assertThat(run.code).as(run.err).isZero();

    ResultsFixtures.use(spark, root.toString());
    List<Row> checks =
        spark
            .sql(
                "SELECT executor, device, platform, isa_cap, memory_format, batch_size,"
                    + " gradient_rms_error, gradient_median_error, gradient_max_error,"
                    + " logits_error, passed, problem, policy FROM engine_checks WHERE run_id ="
                    + " 'd1'")
            .collectAsList();
    // Each of the two task slots checks its classifier at batch 10 and at the remainder, 2.
    assertThat(checks).isNotEmpty();
    assertThat(checks.stream().map(r -> r.getInt(5)).distinct()).containsExactlyInAnyOrder(10, 2);
    for (Row r : checks) {
      assertThat(r.getBoolean(10)).as(r.toString()).isTrue();
      assertThat(r.isNullAt(11)).isTrue();
      assertThat(r.getDouble(6)).as(r.toString()).isLessThan(0.05);
      assertThat(r.getDouble(9)).as(r.toString()).isLessThan(1e-3);
      assertThat(r.getString(1)).isEqualTo("cpu()");
      assertThat(r.getString(4)).isEqualTo("channels-last");
      assertThat(r.getString(12)).isEqualTo("fail");
      assertThat(r.getString(3))
          .isEqualTo(System.getenv().getOrDefault("ONEDNN_MAX_CPU_ISA", "none"));
    }
  }

  @Test
  void aLyingGradientStopsTheRunBeforeAnyUnitCommits() throws IOException {
    Path root = tmp.resolve("lying");
    List<String> sets = new ArrayList<>(SMALL);
    sets.addAll(ON_LYING_MODEL);
    Run run = run(root, "l1", sets);

    assertThat(run.code).as(run.err).isEqualTo(1);
    assertThat(run.err)
        .contains("engine check failed on executor")
        .contains("the autograd input gradient disagrees with the forward pass")
        .contains("committed nothing")
        .contains("sweep.engine.check.mode=warn");
    assertThat(committedUnits(root, "l1")).isEmpty();

    ResultsFixtures.use(spark, root.toString());
    Row status = spark.sql("SELECT status, ended_at FROM runs WHERE run_id = 'l1'").first();
    assertThat(status.getString(0)).isEqualTo("FAILED");
    assertThat(status.isNullAt(1)).isFalse();
    Row check =
        spark
            .sql(
                "SELECT passed, problem, gradient_rms_error FROM engine_checks"
                    + " WHERE run_id = 'l1'")
            .first();
    assertThat(check.getBoolean(0)).isFalse();
    assertThat(check.getString(1)).contains("disagrees with the forward pass");
    assertThat(check.getDouble(2)).isGreaterThan(1.5); // sign-flipped: 2

    Path html = root.resolve("report.html");
    picocli.CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(new StringWriter()));
    assertThat(cli.execute("report", "--results", root.toString(), "--out", html.toString()))
        .isZero();
    assertThat(Files.readString(html))
        .contains("<tr class=\"failed\">", "FAILED (fail): the autograd input gradient disagrees")
        .contains("1 of 1 engine checks failed");
  }

  @Test
  void warnRecordsTheFailureAndAttacksAnyway() throws IOException {
    Path root = tmp.resolve("warn");
    List<String> sets = new ArrayList<>(SMALL);
    sets.addAll(ON_LYING_MODEL);
    sets.add("sweep.engine.check.mode=warn");
    Run run = run(root, "w1", sets);

    assertThat(run.code).as(run.err).isZero();
    assertThat(committedUnits(root, "w1")).hasSize(4);
    ResultsFixtures.use(spark, root.toString());
    assertThat(
            spark
                .sql(
                    "SELECT * FROM engine_checks WHERE run_id = 'w1' AND NOT passed"
                        + " AND policy = 'warn'")
                .count())
        .isPositive();
  }

  @Test
  void aGradientFreeSweepChecksTheForwardOnlyAndAttacksALyingGradient() throws IOException {
    Path root = tmp.resolve("square");
    List<String> sets = new ArrayList<>(SMALL);
    sets.addAll(ON_LYING_MODEL);
    sets.add("sweep.attacks=[{type=square, queries=5}]");
    Run run = run(root, "s1", sets);

    assertThat(run.code).as(run.err).isZero();
    assertThat(committedUnits(root, "s1")).hasSize(4);
    ResultsFixtures.use(spark, root.toString());
    List<Row> checks =
        spark
            .sql(
                "SELECT passed, gradient_rms_error, logits_error FROM engine_checks"
                    + " WHERE run_id = 's1'")
            .collectAsList();
    assertThat(checks).isNotEmpty();
    for (Row r : checks) {
      assertThat(r.getBoolean(0)).as(r.toString()).isTrue();
      assertThat(r.getDouble(1)).as("no gradient was checked").isNaN();
      assertThat(r.getDouble(2)).isLessThan(1e-3);
    }
  }

  private record Run(int code, String err) {}

  private static Run run(Path root, String runId, List<String> sets) {
    List<String> args =
        new ArrayList<>(List.of("run", "--results", root.toString(), "--run-id", runId));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    int code = cli.execute(args.toArray(String[]::new));
    return new Run(code, err.toString());
  }

  /**
   * The run's committed units (CONFIG/ATTACK/seed-K/shard-H): the unit directories under {@code
   * _units/SWEEP/RUN_ID} while the run has not succeeded, and those the samples table holds.
   */
  private static List<String> committedUnits(Path root, String runId) throws IOException {
    List<String> out = new ArrayList<>();
    Path units = root.resolve(ResultsLayout.UNITS).resolve("checked").resolve(runId);
    if (Files.exists(units)) {
      try (Stream<Path> s = Files.walk(units)) {
        s.filter(p -> p.getFileName().toString().startsWith("shard-"))
            .map(p -> units.relativize(p).toString())
            .forEach(out::add);
      }
    }
    ResultsFixtures.rows(spark, root.toString(), Tables.SAMPLES.name(), "checked", runId).stream()
        .map(
            r ->
                String.join(
                    "/",
                    r.<String>getAs("config_id"),
                    r.<String>getAs("attack"),
                    "seed-" + r.<Long>getAs("seed"),
                    "shard-" + r.<Integer>getAs("shard")))
        .distinct()
        .forEach(out::add);
    return out;
  }
}
