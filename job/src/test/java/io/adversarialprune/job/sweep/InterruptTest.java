package io.adversarialprune.job.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.Main;
import io.adversarialprune.job.cache.TempDirs;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A driver stopped by SIGTERM, as a scheduler stops it ({@code Process.destroy()} sends SIGTERM on
 * Linux): a real {@code run} in a JVM of its own, no Spark session in this one.
 */
class InterruptTest {
  @TempDir Path tmp;

  @Test
  void sigtermRecordsTheRunAsInterruptedReleasesTheLeaseAndSaysHowToResume() throws Exception {
    Path results = tmp.resolve("results");
    Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp"));
    Path log = tmp.resolve("driver.log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // this JVM's --add-opens, which Spark needs on JDK 17
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")) {
        command.add(arg);
      }
    }
    command.addAll(
        List.of(
            "-Xmx1g",
            "-Djava.io.tmpdir=" + javaTmp,
            "-Dai.djl.offline=true",
            "-Dspark.master=local[1]",
            "-Dspark.ui.enabled=false",
            "-Dspark.driver.host=127.0.0.1",
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
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
      Path runs = results.resolve("runs").resolve("stopped").resolve("night");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.exists(runs)) {
        assertThat(driver.isAlive()).as(Files.readString(log)).isTrue();
        assertThat(System.nanoTime()).as("RUNNING within 120 s").isLessThan(deadline);
        Thread.sleep(200);
      }
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
    Group row = runsRow(results.resolve("runs").resolve("stopped").resolve("night"));
    assertThat(row.getString("status", 0)).isEqualTo("INTERRUPTED");
    assertThat(row.getFieldRepetitionCount("ended_at")).as("ended_at").isOne();
    assertThat(results.resolve("_leases")).doesNotExist();
    // Spark's and the job's own temp directories went with the driver.
    assertThat(javaTmp.resolve(TempDirs.PARENT)).doesNotExist();
  }

  private static Group runsRow(Path dir) throws IOException {
    Path file;
    try (Stream<Path> s = Files.list(dir)) {
      file = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    try (ParquetReader<Group> reader =
        ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(file.toUri()))
            .withConf(new Configuration())
            .build()) {
      return reader.read();
    }
  }
}
