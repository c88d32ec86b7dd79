package io.adversarialprune.job.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.ChildJvm;
import io.adversarialprune.job.executor.TempDirs;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.Tables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A driver stopped by SIGTERM, as a scheduler stops it ({@code Process.destroy()} sends SIGTERM on
 * Linux): a real {@code run} in a JVM of its own, no Spark session in this one.
 */
class InterruptTest {
  @TempDir Path tmp;

  /** The default sweep's rows of samples: 1 config (baseline) x 1 attack x 1 seed x 1000 images. */
  private static final int SAMPLES = 1000;

  @Test
  void sigtermRecordsTheRunAsInterruptedReleasesTheLeaseAndSaysHowToResume() throws Exception {
    Path results = tmp.resolve("results");
    Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp"));
    Path log = tmp.resolve("driver.log");
    List<String> command =
        ChildJvm.command(
            // the launcher's logging: what a user's console shows
            List.of(
                "-Djava.io.tmpdir=" + javaTmp,
                "-Dlog4j2.configurationFile="
                    + Path.of("..", "deploy", "local", "log4j2.properties").toAbsolutePath()),
            List.of(
                "run",
                "--results",
                results.toString(),
                "--run-id",
                "night",
                // long enough to be stopped in the middle: 2 units of 500 images, 10 PGD steps
                "--set",
                "sweep.name=stopped"));
    Process driver =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      Record running = runsRowIfWritten(results);
      while (running == null) {
        assertThat(driver.isAlive()).as(Files.readString(log)).isTrue();
        assertThat(System.nanoTime()).as("RUNNING within 120 s").isLessThan(deadline);
        Thread.sleep(200);
        running = runsRowIfWritten(results);
      }
      assertThat(running.getField("status")).isEqualTo("RUNNING");
      // While it runs, the job's temp directories are under one parent, named with its pid.
      try (Stream<Path> s = Files.list(javaTmp)) {
        assertThat(s.map(p -> p.getFileName().toString()))
            .noneMatch(n -> n.startsWith("spark-") || n.startsWith("blockmgr-"));
      }
      try (Stream<Path> s = Files.list(javaTmp.resolve(TempDirs.PARENT))) {
        assertThat(s.map(p -> p.getFileName().toString()))
            .isNotEmpty()
            .allMatch(n -> n.matches("[a-z]+-" + driver.pid() + "-.*"));
      }

      driver.destroy(); // SIGTERM
      assertThat(driver.waitFor(60, TimeUnit.SECONDS)).as("exits within 60 s").isTrue();
    } finally {
      driver.destroyForcibly();
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(driver.exitValue()).as(out).isEqualTo(143); // 128 + SIGTERM
    assertThat(out)
        .contains(
            "interrupted: run night of sweep stopped was stopped by a signal",
            "(runs status INTERRUPTED, lease released)",
            "Resume it: run again with --run-id night and the same config.");
    // One account of the stop: the hook's, not also the run's failure with its traces, nor the
    // traces Spark's stopping threads print raw (a pool rejecting a task).
    assertThat(out).doesNotContain("failed: ", "RunFailedException");
    assertThat(out.substring(out.indexOf("interrupted: run night")))
        .doesNotContain("\tat ", "Exception");
    Record row = runsRowIfWritten(results);
    assertThat(row).isNotNull();
    assertThat(row.getField("status")).isEqualTo("INTERRUPTED");
    assertThat(row.getField("ended_at")).as("ended_at").isNotNull();
    assertThat(results.resolve("_leases")).doesNotExist();
    // Spark's and the job's own temp directories went with the driver.
    assertThat(javaTmp.resolve(TempDirs.PARENT)).doesNotExist();
    assertThat(samples(results)).as("no samples before the run succeeds").isEmpty();

    // Resumed as it says: the same command. Its units, committed before the signal or computed
    // now, reach the samples table once each.
    Path resumeLog = tmp.resolve("resume.log");
    Process resume =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(resumeLog.toFile())
            .start();
    try {
      assertThat(resume.waitFor(5, TimeUnit.MINUTES)).as("resumed run within 5 minutes").isTrue();
    } finally {
      resume.destroyForcibly();
    }
    String resumed = Files.readString(resumeLog, StandardCharsets.UTF_8);
    assertThat(resume.exitValue()).as(resumed).isZero();
    assertThat(resumed).containsPattern("2 units \\(\\d+ computed now, \\d+ resumed\\)");
    assertThat(runsRowIfWritten(results).getField("status")).isEqualTo("SUCCEEDED");
    List<Record> samples = samples(results);
    assertThat(samples).hasSize(SAMPLES);
    assertThat(
            samples.stream()
                .map(
                    r ->
                        r.getField("config_id")
                            + "/"
                            + r.getField("attack")
                            + "/"
                            + r.getField("seed")
                            + "/"
                            + r.getField("id"))
                .distinct()
                .count())
        .as("every (config, attack, seed, sample) once")
        .isEqualTo(SAMPLES);
    try (Stream<Path> s = Files.list(results)) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .as("only the tables are left")
          .containsExactly(ResultsCatalog.DEFAULT_NAMESPACE);
    }
  }

  /**
   * The run's row of the runs table, read with Iceberg's own reader from the embedded catalog of
   * {@code results}; null while the table or the row is not there yet.
   */
  private static Record runsRowIfWritten(Path results) throws IOException {
    List<Record> rows = runRows(results, Tables.RUNS.name());
    assertThat(rows.size()).as("runs rows of the run").isLessThanOrEqualTo(1);
    return rows.isEmpty() ? null : rows.get(0);
  }

  private static List<Record> samples(Path results) throws IOException {
    return runRows(results, Tables.SAMPLES.name());
  }

  /** Run night of sweep stopped's rows of {@code table}; empty when the table does not exist. */
  private static List<Record> runRows(Path results, String table) throws IOException {
    try (HadoopCatalog catalog =
        new HadoopCatalog(new Configuration(), results.toUri().toString())) {
      TableIdentifier id = TableIdentifier.of(ResultsCatalog.DEFAULT_NAMESPACE, table);
      if (!Files.isDirectory(results) || !catalog.tableExists(id)) {
        return List.of();
      }
      List<Record> out = new ArrayList<>();
      try (CloseableIterable<Record> rows =
          IcebergGenerics.read(catalog.loadTable(id))
              .where(
                  Expressions.and(
                      Expressions.equal("sweep", "stopped"), Expressions.equal("run_id", "night")))
              .build()) {
        rows.forEach(r -> out.add(r.copy()));
      }
      return out;
    }
  }
}
