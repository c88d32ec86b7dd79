package io.adversarialprune.job.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.Main;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.executor.ExecutorCache;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.ResultsFixtures;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.job.results.RunLease;
import io.adversarialprune.job.results.Tables;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweep end to end in local[2]: row counts, metrics vs samples, reruns, resume. */
class SweepTest {
  private static SparkSession spark;

  /** 3 configs x 2 attacks x 2 seeds x 2 shards on 40 images, short attacks. */
  private static final List<String> SMALL =
      List.of(
          "sweep.name=small",
          "sweep.seeds=[1, 2]",
          "sweep.data.limit=40",
          "sweep.data.shards=2",
          "sweep.attack.eps=0.1",
          "sweep.attack.alpha=0.02",
          "sweep.attack.steps=3",
          "sweep.attack.batch-size=16",
          "sweep.attacks=[{type=pgd-linf, name=pgd}, {type=fgsm}]",
          "sweep.grid.E=[0.05]",
          "sweep.grid.R=[0.01]");

  @TempDir static Path tmp;

  /** A model of the default's shape, exported without the probe methods. */
  private static final String WITHOUT_PROBES =
      Path.of("../udfs/src/test/resources/fixtures/lying-sign.pt").toAbsolutePath().toString();

  @BeforeAll
  static void startSpark() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("SweepTest")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "4")
            .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void smallSweepCountsMetricsAndRerunAgree() throws IOException {
    String root = tmp.resolve("small").toString();
    SweepConfig config = SweepConfig.load(null, SMALL);
    // Loads and decodes of this test only: other tests of the class share the JVM's pools.
    long loads = ExecutorCache.get().models().loads();
    long decodes = ExecutorCache.get().shards().decodes();
    SweepRunner.Summary first = new SweepRunner(spark, config, root, "r1").run();
    assertThat(first.units()).isEqualTo(3 * 2 * 2 * 2);
    assertThat(first.computed()).isEqualTo(24);

    ResultsFixtures.use(spark, root);
    // The samples table has the unit files' schema.
    assertThat(
            java.util.Arrays.stream(spark.table("samples").schema().fields())
                .map(f -> f.name() + " " + f.dataType().sql()))
        .containsExactlyElementsOf(
            java.util.Arrays.stream(
                    io.adversarialprune.job.results.SampleFile.SPARK_SCHEMA.fields())
                .map(f -> f.name() + " " + f.dataType().sql())
                .toList());
    assertThat(count("SELECT * FROM samples WHERE run_id = 'r1'")).isEqualTo(3 * 2 * 2 * 40);
    assertThat(
            count(
                "SELECT DISTINCT config_id, attack, seed, id FROM samples"
                    + " WHERE run_id = 'r1'"))
        .isEqualTo(3 * 2 * 2 * 40);
    // per config and seed: each attack and the worst case
    assertThat(count("SELECT * FROM metrics WHERE run_id = 'r1' AND level = 'seed'"))
        .isEqualTo(3 * 2 * 3);
    assertThat(count("SELECT * FROM metrics WHERE run_id = 'r1' AND level = 'config'"))
        .isEqualTo(3 * 3);
    // One model per (config, seed): the clean predictions agree across the attacks.
    assertThat(
            count(
                "SELECT config_id, seed, id FROM samples WHERE run_id = 'r1'"
                    + " GROUP BY config_id, seed, id HAVING min(clean_pred) <> max(clean_pred)"))
        .isZero();

    // metrics recomputed from samples with SQL equal the metrics table
    List<Row> mismatches =
        spark
            .sql(
                "WITH s AS (SELECT config_id, attack, seed, count(*) total,"
                    + " sum(cast(clean_pred = label AS long)) correct,"
                    + " sum(cast(adv_pred = label AS long)) adv_correct,"
                    + " sum(cast(adv_pred <> clean_pred AS long)) changed,"
                    + " sum(cast(clean_pred = label AND adv_pred <> label AS long)) attacked,"
                    + " avg(cast(linf AS double)) linf, avg(cast(l2 AS double)) l2"
                    + " FROM samples WHERE run_id = 'r1' GROUP BY config_id, attack, seed)"
                    + " SELECT * FROM s JOIN metrics m ON m.run_id = 'r1' AND m.level = 'seed'"
                    + " AND m.config_id = s.config_id AND m.attack = s.attack AND m.seed = s.seed"
                    + " WHERE m.total <> s.total OR m.correct <> s.correct"
                    + " OR m.adv_correct <> s.adv_correct OR m.changed <> s.changed"
                    + " OR m.attacked <> s.attacked"
                    + " OR abs(m.clean_acc - s.correct / s.total) > 1e-12"
                    + " OR abs(m.strict_asr - s.attacked / s.correct) > 1e-12"
                    + " OR abs(m.mean_linf - s.linf) > 1e-9 OR abs(m.mean_l2 - s.l2) > 1e-9")
            .collectAsList();
    assertThat(mismatches).isEmpty();
    assertThat(
            count(
                "SELECT * FROM metrics WHERE run_id = 'r1' AND level = 'seed'"
                    + " AND attack <> 'worst-case'"))
        .isEqualTo(
            count(
                "SELECT * FROM metrics m JOIN (SELECT config_id, attack, seed FROM samples WHERE"
                    + " run_id = 'r1' GROUP BY config_id, attack, seed) s USING (config_id, attack,"
                    + " seed) WHERE m.run_id = 'r1' AND m.level = 'seed'"));
    // The worst case, recomputed per sample from the samples: robust only if robust under both.
    List<Row> worst =
        spark
            .sql(
                "WITH p AS (SELECT config_id, seed, id,"
                    + " min(cast(clean_pred = label AS int)) correct,"
                    + " min(cast(adv_pred = label AS int)) adv_ok,"
                    + " max(cast(adv_pred <> clean_pred AS int)) changed"
                    + " FROM samples WHERE run_id = 'r1' GROUP BY config_id, seed, id),"
                    + " w AS (SELECT config_id, seed, count(*) total, sum(correct) correct,"
                    + " sum(adv_ok) adv_correct, sum(changed) changed,"
                    + " sum(correct * (1 - adv_ok)) attacked FROM p GROUP BY config_id, seed)"
                    + " SELECT * FROM w JOIN metrics m ON m.run_id = 'r1' AND m.level = 'seed'"
                    + " AND m.attack = 'worst-case' AND m.config_id = w.config_id"
                    + " AND m.seed = w.seed")
            .collectAsList();
    assertThat(worst).hasSize(3 * 2);
    for (Row r : worst) {
      assertThat(r.<Long>getAs("total")).isEqualTo(40L);
      assertThat(List.of(r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5), r.getLong(6)))
          .as(r.toString())
          .containsExactly(
              r.<Long>getAs("total"),
              r.<Long>getAs("correct"),
              r.<Long>getAs("adv_correct"),
              r.<Long>getAs("changed"),
              r.<Long>getAs("attacked"));
    }
    // ... and so at most each attack's remnant accuracy, for every config and seed
    assertThat(
            count(
                "SELECT * FROM metrics w JOIN metrics a ON w.run_id = a.run_id AND w.config_id ="
                    + " a.config_id AND w.level = a.level AND w.seed <=> a.seed WHERE w.run_id ="
                    + " 'r1' AND w.attack = 'worst-case' AND a.attack <> 'worst-case' AND"
                    + " w.remnant_acc > a.remnant_acc"))
        .isZero();
    // rates lie within their Wilson intervals and within [0, 1]
    assertThat(
            count(
                "SELECT * FROM metrics WHERE NOT (clean_acc BETWEEN clean_acc_lower AND"
                    + " clean_acc_upper AND clean_acc_lower >= 0 AND clean_acc_upper <= 1)"))
        .isZero();
    // E prunes some, R every parameter element
    assertThat(
            spark
                .sql("SELECT min(prune_ratio) FROM metrics WHERE config_id = 'R_0.01'")
                .first()
                .getDouble(0))
        .isGreaterThan(0.99);
    assertThat(
            count(
                "SELECT * FROM prune_stats WHERE run_id = 'r1' AND config_id = 'E_0.05'"
                    + " AND changed > 0"))
        .isPositive();
    assertThat(count("SELECT * FROM runs WHERE run_id = 'r1' AND status = 'SUCCEEDED'")).isOne();

    // A rerun with a new run id gives the same numbers.
    new SweepRunner(spark, config, root, "r2").run();
    ResultsFixtures.use(spark, root);
    assertThat(metricsOf("r2")).isEqualTo(metricsOf("r1"));
    assertThat(samplesOf("r2")).isEqualTo(samplesOf("r1"));

    // A finished run resumed again computes nothing and changes nothing: no row twice.
    SweepRunner.Summary again = new SweepRunner(spark, config, root, "r2").run();
    assertThat(again.computed()).isZero();
    assertThat(again.configMetrics()).hasSameSizeAs(first.configMetrics());
    ResultsFixtures.use(spark, root);
    assertThat(metricsOf("r2")).isEqualTo(metricsOf("r1"));
    assertThat(count("SELECT * FROM samples WHERE run_id = 'r2'")).isEqualTo(3 * 2 * 2 * 40);
    // A finished run leaves its tables only: the committed units went into samples.
    assertThat(Path.of(root, "_units")).doesNotExist();

    // 53 units ran in this test (local[2]): the model was loaded at most once per concurrent task
    // slot, never per unit (none if another test left its classifiers in the pool), and each of
    // the two shards decoded at most once.
    assertThat(ExecutorCache.get().models().loads() - loads).isBetween(0L, 2L);
    assertThat(ExecutorCache.get().shards().decodes() - decodes).isBetween(0L, 2L);
  }

  @Test
  void baselineCleanAccuracyEqualsTheModelsRecordedAccuracy() throws IOException {
    String root = tmp.resolve("baseline").toString();
    SweepConfig config =
        SweepConfig.load(
            null,
            List.of(
                "sweep.name=baseline",
                "sweep.attack.steps=1",
                "sweep.grid.E=[]",
                "sweep.grid.S=[]",
                "sweep.grid.R=[]"));
    SweepRunner.Summary s = new SweepRunner(spark, config, root, "b").run();
    Row baseline = s.configMetrics().get(0);
    int recorded;
    try (InputStream in = getClass().getResourceAsStream("/default/fashion-mnist-resnet.json")) {
      recorded =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(in)
              .get("first_1000_correct")
              .asInt();
    }
    assertThat(baseline.<Long>getAs("total")).isEqualTo(1000L);
    assertThat(baseline.<Long>getAs("correct")).isEqualTo((long) recorded);
  }

  @Test
  void badConfigAndInputsExitTwoBeforeWritingAnything() throws IOException {
    Path model = tmp.resolve("not-a-model.pt");
    Files.writeString(model, "not torchscript");
    Path noImage = tmp.resolve("no-image.parquet");
    spark.sql("SELECT 1L AS id, 2 AS label").write().parquet(noImage.toString());
    List<DatasetFixtures.Sample> good = DatasetFixtures.good(4);
    String nullImage =
        fixture("null-image", DatasetFixtures.with(good, new DatasetFixtures.Sample(1, 1, null)));
    List<DatasetFixtures.Sample> duplicated = new ArrayList<>(good);
    duplicated.add(DatasetFixtures.sample(2, DatasetFixtures.png(9, 28, 28)));
    String duplicateIds = fixture("duplicate-ids", duplicated);
    String mixedSizes =
        fixture(
            "mixed-sizes",
            DatasetFixtures.with(good, DatasetFixtures.sample(2, DatasetFixtures.png(2, 32, 32))));
    String corrupt =
        fixture(
            "corrupt",
            DatasetFixtures.with(good, DatasetFixtures.sample(3, "not an image".getBytes())));
    Path csv = Files.writeString(tmp.resolve("labels.csv"), "id,label\n1,2\n");
    Path fakeDir = Files.createDirectories(tmp.resolve("data-fake-parquet"));
    Files.writeString(fakeDir.resolve("part-0.parquet"), "not parquet at all");
    // Each case: --set overrides, then what the message must say.
    String[][] cases = {
      {"sweep.atack.eps=0.1", "sweep.atack"},
      {"sweep.attack.eps=abc", "sweep.attack.eps"},
      {"sweep.attack.eps=3.0", "sweep.attack.eps must be in (0, 1], got 3.0"},
      {"sweep.data.shards=0", "sweep.data.shards"},
      {"sweep.model.path=/nonexistent/model.pt", "/nonexistent/model.pt"},
      {"sweep.model.path=\"" + model + "\"", "not-a-model.pt"},
      {"sweep.data.path=/nonexistent/data", "/nonexistent/data"},
      {
        "sweep.data.path=\"" + csv + "\"",
        "sweep.data.path: dataset " + csv + " is not a Parquet file (13 bytes"
      },
      {"sweep.data.path=\"" + fakeDir + "\"", "holds part-0.parquet, which is not a Parquet file"},
      {"sweep.data.path=\"" + noImage + "\"", "column image"},
      {"sweep.model.input.height=32", "sweep.model.input"},
      {
        // the embedded model named as the user wrote it, not as its temp copy
        "sweep.model.input.channels=3",
        "sweep.model.mean=[0.5, 0.5, 0.5]",
        "sweep.model.std=[0.5, 0.5, 0.5]",
        "sweep.model.path: model classpath:/default/fashion-mnist-resnet.pt rejected input"
            + " [1,3,28,28]: The following operation failed in the TorchScript interpreter. ...\n"
            + "  RuntimeError: Given groups=1, weight of size [16, 1, 3, 3], expected input[1, 3,"
      },
      {
        "sweep.data.path=\"" + nullImage + "\"",
        "sweep.data.limit=0",
        "column image is null for id 1"
      },
      {
        "sweep.data.path=\"" + duplicateIds + "\"",
        "sweep.data.limit=0",
        "column id is not unique: id 2 appears 2 times"
      },
      {
        "sweep.data.path=\"" + mixedSizes + "\"",
        "sweep.data.limit=0",
        "does not fit sweep.model.input: image id 2 (img-2.png) is 32x32"
      },
      {
        "sweep.data.path=\"" + corrupt + "\"",
        "sweep.data.limit=0",
        "image id 3 (img-3.png) cannot be read"
      },
      {"sweep.data.limit=20000", "sweep.data.limit is 20000, but dataset"},
      {
        "sweep.attack.alpha=0.05",
        "sweep.data.path=/nonexistent/data",
        "warning: sweep.attacks[0] ('pgd-linf'): alpha (0.05) is larger than eps (0.03"
      },
      {"sweep.attacks=[{type=pgd-l3}]", "sweep.attacks[0].type must be one of"},
      {
        "sweep.anatomy=on",
        "sweep.model.path=\"" + WITHOUT_PROBES + "\"",
        "sweep.anatomy is on, but the model of sweep.model.path ("
            + WITHOUT_PROBES
            + ") has no method probe_names, features, forward_clamped, forward_clamped_st,"
            + " features_clamped: export it with probes by deploy/models/export_model.py"
      },
      {
        "sweep.attacks=[{type=fgsm, alpha=0.1}]", "sweep.attacks[0].alpha is not a key of type fgsm"
      },
      {"sweep.attacks=[{type=fgsm}, {type=fgsm}]", "sweep.attacks names must be unique"},
      {"sweep.attacks=[{type=apgd-ce, rho=2}]", "sweep.attacks[0].rho"},
      {"sweep.attacks=[{type=square, queries=0}]", "sweep.attacks[0].queries must be >= 1, got 0"},
      {
        "sweep.attack.p-init=1.5",
        "sweep.attacks=[{type=square}]",
        "sweep.attack.p-init must be in (0, 1], got 1.5"
      },
      {"sweep.attacks=[{type=square, norm=l1}]", "sweep.attacks[0].norm must be one of linf, l2"},
      {
        "sweep.attacks=[{type=autoattack, queries=100}]",
        "sweep.attacks[0].queries is not a key of type autoattack"
      },
      {
        "sweep.attacks=[{type=apgd-t, targets=10}]",
        "sweep.attacks: attack 'apgd-t': apgd-t with"
            + " targets = 10 needs a model with more than 10 classes, the model has 10"
      },
      {
        "sweep.attacks=[{type=fab-t, targets=10}]",
        "sweep.attacks: attack 'fab-t': fab-t with"
            + " targets = 10 needs a model with more than 10 classes, the model has 10"
      },
      {"sweep.attacks=[{type=fab-t, norm=l1}]", "sweep.attacks[0].norm must be one of linf, l2"},
      {"sweep.attacks=[{type=fab-t, restarts=0}]", "sweep.attacks[0].restarts must be >= 1, got 0"},
      {
        "sweep.data.limit=4",
        "sweep.data.shards=5",
        "sweep.data.shards is 5, but only 4 images are selected"
      },
    };
    org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
    for (int i = 0; i < cases.length; i++) {
      String[] c = cases[i];
      String[] sets = java.util.Arrays.copyOf(c, c.length - 1);
      String expected = c[c.length - 1];
      Path results = tmp.resolve("bad-" + i);
      CliRun r = cli(results, "x", sets);
      soft.assertThat(r.code()).as(List.of(sets) + " -> " + r.err()).isEqualTo(2);
      soft.assertThat(r.err()).as(List.of(sets).toString()).contains(expected);
      soft.assertThat(r.err().lines()).as("no stack trace for " + List.of(sets)).hasSizeLessThan(4);
      soft.assertThat(Files.exists(results)).as("nothing written for " + List.of(sets)).isFalse();
    }
    soft.assertAll();
  }

  @Test
  void aResultsRootThatCannotBeWrittenExitsTwoBeforeAnyOtherCheck() throws IOException {
    Path file = Files.writeString(tmp.resolve("results-file"), "a file");
    // The model path is bad too: the root is checked first, in milliseconds, not after seconds of
    // model and dataset checks.
    String badModel = "sweep.model.path=/nonexistent/model.pt";
    CliRun isFile = cli(file, "x", badModel);
    assertThat(isFile.code()).as(isFile.err()).isEqualTo(2);
    assertThat(isFile.err()).contains("results root " + file + " is a file, not a directory");
    CliRun under = cli(file.resolve("sub"), "x", badModel);
    assertThat(under.code()).as(under.err()).isEqualTo(2);
    assertThat(under.err()).contains("cannot be created: " + file.toUri().getPath() + " is a file");
    Path tableIsFile = Files.createDirectories(tmp.resolve("units-is-a-file"));
    Files.writeString(tableIsFile.resolve("_units"), "");
    CliRun table = cli(tableIsFile, "x", badModel);
    assertThat(table.code()).as(table.err()).isEqualTo(2);
    assertThat(table.err()).contains("where the directory _units belongs");
    assertThat(Files.readString(file)).isEqualTo("a file");
  }

  @Test
  void aResultsRootThatIsNotWritableExitsTwo() throws IOException {
    Path readOnly = Files.createDirectories(tmp.resolve("read-only"));
    Files.setPosixFilePermissions(
        readOnly, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
    // root may write anywhere
    org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(readOnly), "running as root");
    CliRun notWritable = cli(readOnly.resolve("results"), "x", "sweep.model.path=/nonexistent");
    assertThat(notWritable.code()).as(notWritable.err()).isEqualTo(2);
    assertThat(notWritable.err()).contains("is not writable");
  }

  @Test
  void aSecondDriverOfARunIdExitsTwoNamingTheFirstAndWritesNothing() throws IOException {
    Path results = tmp.resolve("leased");
    String[] tiny = {
      "sweep.name=leased",
      "sweep.data.limit=8",
      "sweep.data.shards=1",
      "sweep.attack.steps=1",
      "sweep.attack.batch-size=8"
    };
    try (RunLease first =
        RunLease.acquire(
            new ResultsLayout(results.toString()),
            "leased",
            "r",
            "app-first",
            null,
            spark.sparkContext().hadoopConfiguration(),
            RunLease.Timing.DEFAULT)) {
      CliRun second = cli(results, "r", tiny);
      assertThat(second.code()).as(second.err()).isEqualTo(2);
      assertThat(second.err()).contains("run r of sweep leased is being written by app app-first");
      try (Stream<Path> s = Files.list(results)) {
        assertThat(s.map(p -> p.getFileName().toString())).containsExactly("_leases");
      }
    }
    CliRun after = cli(results, "r", tiny);
    assertThat(after.code()).as(after.err()).isZero();
    try (Stream<Path> s = Files.list(results)) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .as("the tables' namespace and nothing else: no _leases, no _staging, no _units")
          .containsExactly(ResultsCatalog.DEFAULT_NAMESPACE);
    }
  }

  private static String fixture(String name, List<DatasetFixtures.Sample> samples) {
    return DatasetFixtures.write(spark, tmp.resolve("data-" + name), samples);
  }

  @Test
  void aTaskThatFailsEndsTheRunAsFailedWithExitOne() throws IOException {
    // The header of id 2 reads fine on the driver; its pixels fail to decode on the executor.
    List<DatasetFixtures.Sample> samples =
        DatasetFixtures.with(
            DatasetFixtures.good(4),
            DatasetFixtures.sample(2, DatasetFixtures.truncated(DatasetFixtures.png(2, 28, 28))));
    String data = DatasetFixtures.write(spark, tmp.resolve("truncated-data"), samples);
    Path results = tmp.resolve("truncated");
    CliRun r =
        cli(
            results,
            "f",
            "sweep.name=broken",
            "sweep.data.path=\"" + data + "\"",
            "sweep.data.limit=0",
            "sweep.data.shards=1",
            "sweep.attack.steps=1");
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    assertThat(r.err()).contains("run f of sweep broken failed (runs status FAILED)", "id 2");
    Row run = table(results.toString(), Tables.RUNS.name()).first();
    assertThat(run.<String>getAs("status")).isEqualTo("FAILED");
    assertThat(run.<Object>getAs("ended_at")).isNotNull();
    assertThat(results.resolve("_staging")).doesNotExist();
    assertThat(results.resolve("_leases")).doesNotExist();
  }

  @Test
  void aRateWithNothingToDivideByIsNullInParquetAndNaInTheTableAndReport() throws IOException {
    // R = 0.07 leaves no image of ten classified correctly: strict ASR is 0 / 0.
    Path results = tmp.resolve("undefined-rate");
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cli = Main.commandLine();
    cli.setOut(new java.io.PrintWriter(out));
    cli.setErr(new java.io.PrintWriter(err));
    String[] sets = {
      "sweep.name=noise",
      "sweep.data.limit=10",
      "sweep.data.shards=1",
      "sweep.attack.steps=1",
      "sweep.grid.baseline=false",
      "sweep.grid.R=[0.07]"
    };
    List<String> args = new ArrayList<>(List.of("run", "--results", results.toString()));
    for (String set : sets) {
      args.addAll(List.of("--set", set));
    }
    assertThat(cli.execute(args.toArray(String[]::new))).as(err.toString()).isZero();

    Row m = table(results.toString(), Tables.METRICS.name()).where("level = 'config'").first();
    assertThat(m.<Long>getAs("correct")).as("precondition: no image correct").isZero();
    for (String c : List.of("strict_asr", "strict_asr_lower", "strict_asr_upper")) {
      assertThat(m.<Object>getAs(c)).as(c).isNull();
    }
    assertThat(m.<Double>getAs("clean_acc")).isZero();
    assertThat(out.toString())
        .doesNotContain("NaN")
        .containsPattern("\\|\\s+0\\.00% \\|.*\\|\\s+n/a \\|\\s+10 \\|");

    Path html = tmp.resolve("undefined-rate.html");
    picocli.CommandLine report = Main.commandLine();
    report.setOut(new java.io.PrintWriter(new java.io.StringWriter()));
    report.setErr(new java.io.PrintWriter(err));
    assertThat(report.execute("report", "--results", results.toString(), "--out", html.toString()))
        .as(err.toString())
        .isZero();
    assertThat(Files.readString(html)).contains(">n/a</td>").doesNotContain("NaN");
  }

  /** One unit on 8 images: the baseline under one short attack. */
  private static final String[] ONE_UNIT = {
    "sweep.data.limit=8", "sweep.data.shards=1", "sweep.attack.steps=1", "sweep.attack.batch-size=8"
  };

  private static String[] oneUnit(String name) {
    List<String> sets = new ArrayList<>(List.of(ONE_UNIT));
    sets.add("sweep.name=" + name);
    return sets.toArray(String[]::new);
  }

  /** Matches the first data file of the run's metrics commit. */
  private static java.util.function.Predicate<String> metricsWrite(String runId) {
    String data = "/" + ResultsCatalog.DEFAULT_NAMESPACE + "/metrics/data/";
    String run = "/run_id=" + runId + "/";
    return path -> path.contains(data) && path.contains(run);
  }

  @Test
  void aPruneFilterThatSelectsNoParameterExitsTwoAndWritesNothing() {
    Path results = tmp.resolve("no-parameter");
    List<String> sets = new ArrayList<>(List.of(oneUnit("filtered")));
    sets.add("sweep.prune.include=nosuchparam");
    sets.add("sweep.grid.E=[0.01]");
    CliRun r = cli(results, "x", sets.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isEqualTo(2);
    assertThat(r.err())
        .contains("sweep.prune.include ('nosuchparam')", "select none of the", "parameters");
    assertThat(results).doesNotExist();
  }

  @Test
  void aDriverThatLostItsLeaseCommitsNothingAfter() throws Exception {
    // Another driver takes the run over (its lease file names it) once this one committed a unit:
    // as a frozen driver finds on waking. Its executors commit no more units, its driver no rows.
    Path results = tmp.resolve("fenced");
    Path units = results.resolve(ResultsLayout.UNITS).resolve("fenced").resolve("f");
    Path leaseFile = results.resolve(ResultsLayout.LEASES).resolve("fenced").resolve("f");
    java.util.concurrent.atomic.AtomicInteger atTakeover =
        new java.util.concurrent.atomic.AtomicInteger(-1);
    Thread takeover =
        new Thread(
            () -> {
              try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                while (committedUnits(units) == 0 && System.nanoTime() < deadline) {
                  Thread.sleep(20);
                }
                Files.writeString(leaseFile, "token=another-driver\n");
                atTakeover.set(committedUnits(units));
              } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    takeover.start();
    CliRun r =
        cli(
            results,
            "f",
            "sweep.name=fenced",
            "sweep.data.limit=32",
            "sweep.data.shards=2",
            "sweep.attack.steps=2",
            "sweep.attack.batch-size=16",
            "sweep.grid.E=[0.05]",
            "sweep.grid.R=[0.01]");
    takeover.join();
    assertThat(atTakeover.get()).as("taken over after the first unit").isPositive();
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    assertThat(r.err())
        .contains("run f of sweep fenced failed (another driver took its lease over)");
    // At most the units in flight at the takeover still landed; never the rest of the run.
    assertThat(committedUnits(units)).isLessThanOrEqualTo(atTakeover.get() + 2).isLessThan(6);
    String root = results.toString();
    assertThat(table(root, Tables.RUNS.name()).first().<String>getAs("status"))
        .as("the RUNNING row, left to the driver that took over")
        .isEqualTo("RUNNING");
    for (String t : List.of("samples", "metrics", "prune_stats", "engine_checks")) {
      assertThat(table(root, t).count()).as(t).isZero();
    }
    assertThat(Files.readString(leaseFile)).as("left to its holder").contains("another-driver");
  }

  private static int committedUnits(Path units) throws IOException {
    if (!Files.isDirectory(units)) {
      return 0;
    }
    try (Stream<Path> s =
        Files.find(
            units,
            4,
            (p, a) -> a.isDirectory() && p.getFileName().toString().startsWith("shard-"))) {
      return (int) s.count();
    }
  }

  @Test
  void aDiskThatFillsDuringAggregationLeavesAFailedRowAndAResumeKeepsTheEngineChecks() {
    String root = FullDiskFileSystem.root(tmp.resolve("full-disk"));
    ResultsLayout layout = new ResultsLayout(root);
    CliRun failed;
    try {
      FullDiskFileSystem.fillWhenCreating(metricsWrite("d"), false);
      failed = cli(root, "d", oneUnit("disk"));
    } finally {
      FullDiskFileSystem.reset();
    }
    assertThat(failed.code()).as(failed.err()).isEqualTo(1);
    assertThat(failed.err())
        .contains("run d of sweep disk failed (runs status FAILED)", "No space left on device");
    Row run = runRow(layout);
    assertThat(run.<String>getAs("status")).isEqualTo("FAILED");
    assertThat(run.<Object>getAs("ended_at")).isNotNull();

    // The resume computes nothing: the checks of the attempt that computed the unit are kept.
    // (Run ids differ between tests: an executor checks each slot once per app and run id.)
    CliRun resumed = cli(root, "d", oneUnit("disk"));
    assertThat(resumed.code()).as(resumed.err()).isZero();
    assertThat(runRow(layout).<String>getAs("status")).isEqualTo("SUCCEEDED");
    assertThat(tableRows(layout, Tables.ENGINE_CHECKS.name())).isPositive();
    assertThat(tableRows(layout, Tables.METRICS.name())).isPositive();
  }

  @Test
  void checksLostWithTheirDriverAreFoundWithTheUnitsOnResume() {
    // The driver dies as it records the engine checks, after every unit committed: the checks
    // travel with the units, so the resume, which computes nothing, still records them.
    String root = FullDiskFileSystem.root(tmp.resolve("checks-lost"));
    ResultsLayout layout = new ResultsLayout(root);
    CliRun failed;
    try {
      FullDiskFileSystem.fillWhenCreating(
          path -> path.contains("/" + ResultsCatalog.DEFAULT_NAMESPACE + "/engine_checks/data/"),
          false);
      failed = cli(root, "k", oneUnit("lost"));
    } finally {
      FullDiskFileSystem.reset();
    }
    assertThat(failed.code()).as(failed.err()).isEqualTo(1);
    assertThat(tableRows(layout, Tables.ENGINE_CHECKS.name())).isZero();

    CliRun resumed = cli(root, "k", oneUnit("lost"));
    assertThat(resumed.code()).as(resumed.err()).isZero();
    assertThat(runRow(layout).<String>getAs("status")).isEqualTo("SUCCEEDED");
    assertThat(tableRows(layout, Tables.ENGINE_CHECKS.name())).isPositive();
  }

  @Test
  void aDiskThatStaysFullIsNotClaimedToHoldTheFailedRow() {
    String root = FullDiskFileSystem.root(tmp.resolve("stays-full"));
    CliRun failed;
    try {
      FullDiskFileSystem.fillWhenCreating(metricsWrite("full"), true);
      failed = cli(root, "full", oneUnit("stuck"));
    } finally {
      FullDiskFileSystem.reset();
    }
    assertThat(failed.code()).as(failed.err()).isEqualTo(1);
    assertThat(failed.err())
        .contains(
            "run full of sweep stuck failed (its runs row could not be updated and still says")
        .doesNotContain("runs status FAILED");
    assertThat(runRow(new ResultsLayout(root)).<String>getAs("status")).isEqualTo("RUNNING");
  }

  private static Row runRow(ResultsLayout layout) {
    return table(layout.root(), Tables.RUNS.name()).first();
  }

  private static long tableRows(ResultsLayout layout, String table) {
    return table(layout.root(), table).count();
  }

  /** A results table of the embedded catalog in {@code root}. */
  private static Dataset<Row> table(String root, String table) {
    return ResultsCatalog.open(
            spark, ResultsCatalog.EMBEDDED, ResultsCatalog.DEFAULT_NAMESPACE, root)
        .read(table);
  }

  @Test
  void unitsAreSpreadOverUpToSixteenEqualTasksPerSlotAtMostOnePerUnit() {
    assertThat(UnitTasks.tasks(20, 2)).isEqualTo(20); // the default sweep's pruned units
    assertThat(UnitTasks.tasks(12, 2)).isEqualTo(12);
    assertThat(UnitTasks.tasks(3, 2)).isEqualTo(3);
    assertThat(UnitTasks.tasks(32, 0)).isEqualTo(16); // 2 units each, 0 slots counted as 1
    assertThat(UnitTasks.tasks(1, 64)).isEqualTo(1);
    assertThat(UnitTasks.tasks(512, 16)).isEqualTo(256); // 2 units each
    // never more than 4 units per task, however few slots were registered at the start
    assertThat(UnitTasks.tasks(82, 2)).isEqualTo(28); // 3 units each
    assertThat(UnitTasks.tasks(1000, 2)).isEqualTo(250);
  }

  @Test
  void reportsEveryConfigProblemAtOnce() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                SweepConfig.load(
                    null,
                    List.of(
                        "sweep.attack.eps=3.0",
                        "sweep.data.shards=0",
                        "sweep.bogus=1",
                        "sweep.grid.E=[-1]",
                        "sweep.engine.memory-format=nhwc")))
        .hasMessageContaining("sweep.attack.eps must be in (0, 1], got 3.0")
        .hasMessageContaining("sweep.data.shards")
        .hasMessageContaining("unknown key sweep.bogus")
        .hasMessageContaining("sweep.grid.E")
        .hasMessageContaining(
            "sweep.engine.memory-format must be one of auto, contiguous, channels-last, got"
                + " \"nhwc\"");
  }

  private record CliRun(int code, String err) {}

  /** {@code run} through the command line, as a user runs it, with {@code --set} overrides. */
  private static CliRun cli(Path results, String runId, String... sets) {
    return cli(results.toString(), runId, sets);
  }

  private static CliRun cli(String results, String runId, String... sets) {
    List<String> args = new ArrayList<>(List.of("run", "--results", results, "--run-id", runId));
    for (String set : sets) {
      args.add("--set");
      args.add(set);
    }
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cli = Main.commandLine();
    cli.setErr(new java.io.PrintWriter(err));
    cli.setOut(new java.io.PrintWriter(new java.io.StringWriter()));
    int code = cli.execute(args.toArray(String[]::new));
    return new CliRun(code, err.toString());
  }

  private long count(String sql) {
    return spark.sql(sql).count();
  }

  private List<String> metricsOf(String runId) {
    return rows(
        "SELECT config_id, level, seed, total, correct, adv_correct, changed, attacked, clean_acc,"
            + " remnant_acc, pred_change_rate, strict_asr, strict_asr_lower, prune_ratio,"
            + " mean_linf, mean_l2 FROM metrics WHERE run_id = '"
            + runId
            + "'"
            + " ORDER BY config_id, level, seed");
  }

  private List<String> samplesOf(String runId) {
    return rows(
        "SELECT config_id, seed, shard, id, label, clean_pred, adv_pred, clean_loss, adv_loss,"
            + " linf, l2 FROM samples WHERE run_id = '"
            + runId
            + "' ORDER BY config_id, seed, id");
  }

  private List<String> rows(String sql) {
    List<String> out = new ArrayList<>();
    for (Row r : spark.sql(sql).collectAsList()) {
      out.add(r.toString());
    }
    return out;
  }
}
