package io.adversarialprune.job.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.results.ResultsFixtures;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.job.sweep.SweepRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep on a real standalone cluster (deploy/standalone/cluster.sh: one master, two workers,
 * separate JVMs on 127.0.0.1), submitted with deploy/standalone/submit.sh (SparkSubmit, client
 * mode, the application jar): same numbers as local mode; an executor killed with SIGKILL
 * mid-sweep; the driver killed mid-sweep and resubmitted with the same run id.
 *
 * <p>Runs in {@code verify} (failsafe), after {@code package} built the application jar. Every JVM
 * it starts is stopped in {@link #stopCluster()}, by PID, also when a test fails.
 */
class ClusterIT {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  /** 3 configs x 2 seeds x 8 shards = 48 units of 5 images: enough to kill something mid-way. */
  private static final List<String> SWEEP =
      List.of(
          "sweep.name=cluster",
          "sweep.seeds=[0, 1]",
          "sweep.data.limit=40",
          "sweep.data.shards=8",
          "sweep.attack.steps=2",
          "sweep.attack.batch-size=8",
          "sweep.grid.E=[0.05]",
          "sweep.grid.S=[]",
          "sweep.grid.R=[0.01]");

  private static final int UNITS = 3 * 2 * 8;
  private static final int SAMPLES = 3 * 2 * 40;

  @TempDir static Path tmp;
  private static Path state;
  private static final List<Process> drivers = new ArrayList<>();
  private static final List<ProcessHandle> clusterJvms = new ArrayList<>();
  private static SparkSession spark;
  private static List<String> refSamples;
  private static List<String> refMetrics;

  @BeforeAll
  static void startClusterAndLocalReference() throws Exception {
    state = tmp.resolve("cluster");
    long t0 = System.nanoTime();
    Result start =
        exec(
            List.of(
                "bash",
                REPO.resolve("deploy/standalone/cluster.sh").toString(),
                "start",
                state.toString()),
            Duration.ofMinutes(2));
    for (String pid : Files.readAllLines(state.resolve("pids"))) {
      ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(clusterJvms::add);
    }
    assertThat(start.code).as(start.output).isZero();
    System.out.printf(
        "ClusterIT: cluster up in %.1f s: %s%n",
        (System.nanoTime() - t0) / 1e9,
        start.output.lines().filter(l -> l.startsWith("MASTER_URL")).findFirst().orElse(""));

    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("ClusterIT-reference")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "4")
            .getOrCreate();
    String local = tmp.resolve("local").toString();
    new SweepRunner(spark, SweepConfig.load(null, SWEEP), local, "ref").run();
    ResultsFixtures.use(spark, local);
    refSamples = samplesOf("ref");
    refMetrics = metricsOf("ref");
    assertThat(refSamples).hasSize(SAMPLES);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    try {
      for (Process p : drivers) {
        destroyTree(p.toHandle());
      }
      if (spark != null) {
        spark.stop();
      }
      if (state != null && Files.exists(state.resolve("pids"))) {
        exec(
            List.of(
                "bash",
                REPO.resolve("deploy/standalone/cluster.sh").toString(),
                "stop",
                state.toString()),
            Duration.ofMinutes(1));
      }
    } finally {
      // Whatever the script missed (it failed, or an executor outlived its worker): by PID only.
      for (ProcessHandle h : clusterJvms) {
        destroyTree(h);
      }
      for (ProcessHandle h : clusterJvms) {
        assertThat(h.isAlive()).as("cluster JVM %d still alive", h.pid()).isFalse();
      }
    }
  }

  @Test
  void clusterGivesTheSameNumbersAsLocalMode() throws Exception {
    Path results = tmp.resolve("a");
    Process driver = submit(results, "a", tmp.resolve("a.log"));
    assertFinished(driver, tmp.resolve("a.log"));
    assertSameAsLocal(results, "a");
  }

  @Test
  void sweepSurvivesAnExecutorKilledMidway() throws Exception {
    Path results = tmp.resolve("b");
    // Executors of earlier applications may still be on their way out: never pick one of those.
    List<ProcessHandle> earlier = executors();
    Process driver = submit(results, "b", tmp.resolve("b.log"));
    awaitCommitted(results, "b", 2, driver);
    List<ProcessHandle> executors = executors();
    executors.removeAll(earlier);
    assertThat(executors).as("this sweep's executor JVMs under the workers").isNotEmpty();
    int before = committed(results, "b");
    ProcessHandle victim = executors.get(0);
    victim.destroyForcibly(); // SIGKILL
    victim.onExit().get(30, TimeUnit.SECONDS);
    assertThat(before).as("the kill came mid-sweep").isLessThan(UNITS);
    String out = assertFinished(driver, tmp.resolve("b.log"));
    assertThat(out).as("the driver saw the executor die").contains("Lost executor");
    assertSameAsLocal(results, "b");
  }

  @Test
  void killedDriverResumesWithTheSameRunId() throws Exception {
    Path results = tmp.resolve("c");
    Process first = submit(results, "c", tmp.resolve("c1.log"));
    awaitCommitted(results, "c", 4, first);
    first.toHandle().destroyForcibly(); // SIGKILL to the client-mode driver JVM
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    int before = committed(results, "c");
    assertThat(before).as("the kill came mid-sweep").isBetween(1, UNITS - 1);

    Process second = submit(results, "c", tmp.resolve("c2.log"));
    String out = assertFinished(second, tmp.resolve("c2.log"));
    assertThat(out).containsPattern(UNITS + " units \\(\\d+ computed now, [1-9]\\d* resumed\\)");
    assertSameAsLocal(results, "c");
  }

  private static Process submit(Path results, String runId, Path log) throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "bash",
                REPO.resolve("deploy/standalone/submit.sh").toString(),
                "run",
                "--results",
                results.toString(),
                "--run-id",
                runId));
    for (String s : SWEEP) {
      cmd.add("--set");
      cmd.add(s);
    }
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("CLUSTER_STATE", state.toString());
    pb.environment().put("DRIVER_MEMORY", "1g");
    Process p = pb.start();
    drivers.add(p);
    return p;
  }

  private static String assertFinished(Process driver, Path log) throws Exception {
    boolean done = driver.waitFor(4, TimeUnit.MINUTES);
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(done).as("driver finished within 4 minutes:%n%s", tail(out)).isTrue();
    assertThat(driver.exitValue()).as(tail(out)).isZero();
    return out;
  }

  private static void assertSameAsLocal(Path results, String runId) throws IOException {
    // The run's units went to the samples table in its last commits, then their directory went.
    assertThat(results.resolve(ResultsLayout.UNITS).resolve("cluster").resolve(runId))
        .doesNotExist();
    ResultsFixtures.use(spark, results.toString());
    // every (config, attack, seed, sample) exactly once
    assertThat(
            spark
                .sql(
                    "SELECT config_id, attack, seed, id FROM samples WHERE run_id = '"
                        + runId
                        + "' GROUP BY config_id, attack, seed, id HAVING count(*) > 1")
                .count())
        .isZero();
    assertThat(samplesOf(runId)).isEqualTo(refSamples);
    assertThat(metricsOf(runId)).isEqualTo(refMetrics);
  }

  private static void awaitCommitted(Path results, String runId, int units, Process driver)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (committed(results, runId) < units) {
      assertThat(driver.isAlive()).as("driver still running").isTrue();
      assertThat(System.nanoTime()).as("%d units committed in time", units).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /**
   * Units committed so far: the shard-N directories renamed into place under {@code
   * _units/cluster/RUN_ID}, where they stay until the run succeeds.
   */
  private static int committed(Path results, String runId) throws IOException {
    Path run = results.resolve(ResultsLayout.UNITS).resolve("cluster").resolve(runId);
    if (!Files.isDirectory(run)) {
      return 0;
    }
    // CONFIG/ATTACK/seed-K/shard-H
    try (Stream<Path> s =
        Files.find(
            run, 4, (p, a) -> a.isDirectory() && p.getFileName().toString().startsWith("shard-"))) {
      return (int) s.count();
    }
  }

  /** Executor JVMs: children of the workers this class started (CoarseGrainedExecutorBackend). */
  private static List<ProcessHandle> executors() {
    List<ProcessHandle> out = new ArrayList<>();
    for (ProcessHandle worker : clusterJvms.subList(1, clusterJvms.size())) {
      worker
          .children()
          .filter(
              c ->
                  c.info()
                          .arguments()
                          .map(
                              a ->
                                  List.of(a)
                                      .contains(
                                          "org.apache.spark.executor.CoarseGrainedExecutorBackend"))
                          .orElse(false)
                      || c.info()
                          .commandLine()
                          .map(l -> l.contains("CoarseGrainedExecutorBackend"))
                          .orElse(false))
          .forEach(out::add);
    }
    return out;
  }

  private static void destroyTree(ProcessHandle h) throws InterruptedException {
    List<ProcessHandle> all = new ArrayList<>(h.descendants().toList());
    all.add(h);
    for (ProcessHandle p : all) {
      p.destroyForcibly();
    }
    for (ProcessHandle p : all) {
      p.onExit().completeOnTimeout(p, 20, TimeUnit.SECONDS).join();
    }
  }

  private record Result(int code, String output) {}

  private static Result exec(List<String> cmd, Duration timeout) throws Exception {
    Path log = Files.createTempFile(tmp, "exec", ".log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      destroyTree(p.toHandle());
      return new Result(-1, "timed out: " + Files.readString(log));
    }
    return new Result(p.exitValue(), Files.readString(log));
  }

  private static String tail(String s) {
    return s.length() <= 6000 ? s : s.substring(s.length() - 6000);
  }

  private static List<String> metricsOf(String runId) {
    return rows(
        "SELECT config_id, level, seed, total, correct, adv_correct, changed, attacked, clean_acc,"
            + " remnant_acc, pred_change_rate, strict_asr, strict_asr_lower, prune_ratio,"
            + " mean_linf, mean_l2 FROM metrics WHERE run_id = '"
            + runId
            + "'"
            + " ORDER BY config_id, level, seed");
  }

  private static List<String> samplesOf(String runId) {
    return rows(
        "SELECT config_id, seed, shard, id, label, clean_pred, adv_pred, clean_loss, adv_loss,"
            + " linf, l2 FROM samples WHERE run_id = '"
            + runId
            + "' ORDER BY config_id, seed, id");
  }

  private static List<String> rows(String sql) {
    List<String> out = new ArrayList<>();
    for (Row r : spark.sql(sql).collectAsList()) {
      out.add(r.toString());
    }
    return out;
  }
}
