package io.adversarialprune.job.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adversarialprune.job.UserInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run lease on real files through Hadoop's local file system; no Spark. */
class RunLeaseTest {
  private static final Configuration CONF = new Configuration();

  /** Fast enough to watch a heartbeat in a test. */
  private static final RunLease.Timing QUICK =
      new RunLease.Timing(Duration.ofMillis(50), Duration.ofSeconds(5));

  @TempDir Path tmp;

  @Test
  void aSecondDriverIsRefusedWithTheHolderNamedUntilTheFirstReleases() throws IOException {
    ResultsLayout layout = new ResultsLayout(tmp.toString());
    try (RunLease first =
        RunLease.acquire(layout, "s", "r", "app-1", null, CONF, RunLease.Timing.DEFAULT)) {
      assertThatThrownBy(
              () ->
                  RunLease.acquire(layout, "s", "r", "app-2", null, CONF, RunLease.Timing.DEFAULT))
          .isInstanceOf(UserInputException.class)
          .hasMessageContaining("run r of sweep s is being written by app app-1 (host ")
          .hasMessageContaining(" since " + first.holder().acquired())
          .hasMessageContaining("expire 60 s after its last heartbeat");
      RunLease.acquire(layout, "s", "other-run", "app-2", null, CONF, RunLease.Timing.DEFAULT)
          .close();
    }
    assertThat(tmp.resolve("_leases")).as("released, and its directories with it").doesNotExist();
    RunLease.acquire(layout, "s", "r", "app-2", null, CONF, RunLease.Timing.DEFAULT).close();
  }

  @Test
  void aLeaseWhoseHeartbeatStoppedExpires() throws IOException {
    ResultsLayout layout = new ResultsLayout(tmp.toString());
    Path file = foreignLease(layout, "elsewhere", 1);
    assertThatThrownBy(() -> RunLease.acquire(layout, "s", "r", "app-new", null, CONF, QUICK))
        .hasMessageContaining("being written by app app-old (host elsewhere, pid 1)");
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(6)));
    try (RunLease lease = RunLease.acquire(layout, "s", "r", "app-new", null, CONF, QUICK)) {
      assertThat(Files.readString(file)).contains("app_id=app-new");
    }
  }

  @Test
  void aLeaseOfADriverThatExitedOnThisHostIsTakenOverAtOnce() throws Exception {
    Process exited = new ProcessBuilder("true").start();
    exited.waitFor();
    ResultsLayout layout = new ResultsLayout(tmp.toString());
    Path file = foreignLease(layout, RunLease.host(), exited.pid());
    try (RunLease lease =
        RunLease.acquire(layout, "s", "r", "app-new", null, CONF, RunLease.Timing.DEFAULT)) {
      assertThat(Files.readString(file)).contains("app_id=app-new");
    }
    // A live process on this host holds on: this JVM's own pid.
    foreignLease(layout, RunLease.host(), ProcessHandle.current().pid());
    assertThatThrownBy(
            () ->
                RunLease.acquire(layout, "s", "r", "app-new", null, CONF, RunLease.Timing.DEFAULT))
        .hasMessageContaining("being written by app app-old");
  }

  @Test
  void aDriverWhosePidWasReusedIsSaidToHaveExitedWithThePidsNewOwnerNamed() throws Exception {
    Process exited = new ProcessBuilder("true").start();
    exited.waitFor();
    ProcessHandle self = ProcessHandle.current();
    long selfStart = self.info().startInstant().orElseThrow().toEpochMilli();
    assertThat(holderOn(exited.pid(), -1).goneFromThisHost())
        .isEqualTo("its driver process " + exited.pid() + " on this host has exited");
    // This JVM's pid, recorded with another start time: the lease's driver was an earlier process.
    assertThat(holderOn(self.pid(), selfStart - 60_000).goneFromThisHost())
        .startsWith("its driver process " + self.pid() + " on this host has exited (pid ")
        .contains(" is now another process's, started ")
        .endsWith(", not " + Instant.ofEpochMilli(selfStart - 60_000) + ")");
    assertThat(holderOn(self.pid(), selfStart).goneFromThisHost()).isNull();
    assertThat(holderOn(self.pid(), -1).goneFromThisHost()).as("no start time: alive").isNull();
  }

  private static RunLease.Holder holderOn(long pid, long processStart) {
    return new RunLease.Holder(
        "token-old", "app-old", "", RunLease.host(), pid, processStart, Instant.now());
  }

  @Test
  void aLeaseOfAnEarlierAttemptOfThisApplicationIsTakenOver() throws IOException {
    ResultsLayout layout = new ResultsLayout(tmp.toString());
    Path file = Path.of(layout.lease("s", "r").toUri().getPath());
    Files.createDirectories(file.getParent());
    Files.write(
        file,
        new RunLease.Holder(
                "token-old", "application_1_0001", "1", "elsewhere", 7, -1, Instant.now())
            .toBytes());
    assertThatThrownBy(
            () ->
                RunLease.acquire(
                    layout, "s", "r", "application_1_0002", "1", CONF, RunLease.Timing.DEFAULT))
        .hasMessageContaining("app application_1_0001 attempt 1 (host elsewhere, pid 7)");
    try (RunLease lease =
        RunLease.acquire(
            layout, "s", "r", "application_1_0001", "2", CONF, RunLease.Timing.DEFAULT)) {
      assertThat(Files.readString(file)).contains("attempt=2");
    }
  }

  @Test
  void theHolderHeartbeatsAndLearnsWhenItsLeaseWasTakenOver() throws Exception {
    ResultsLayout layout = new ResultsLayout(tmp.toString());
    Path file = Path.of(layout.lease("s", "r").toUri().getPath());
    try (RunLease lease = RunLease.acquire(layout, "s", "r", "app-1", null, CONF, QUICK)) {
      Instant old = Instant.now().minusSeconds(60);
      Files.setLastModifiedTime(file, FileTime.from(old));
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (Files.getLastModifiedTime(file).toInstant().isBefore(old.plusSeconds(30))) {
        assertThat(System.nanoTime()).as("a heartbeat within 5 s").isLessThan(deadline);
        Thread.sleep(20);
      }
      lease.checkHeld();

      // Another driver took over (say this one had stalled past the expiry).
      Files.write(file, otherHolder("elsewhere", 1).toBytes());
      assertThatThrownBy(lease::checkHeld)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("run r of sweep s lost its lease")
          .hasMessageContaining("app app-old");
    }
    assertThat(Files.readString(file)).as("the new holder's lease stays").contains("app-old");
  }

  private static Path foreignLease(ResultsLayout layout, String host, long pid) throws IOException {
    Path file = Path.of(layout.lease("s", "r").toUri().getPath());
    Files.createDirectories(file.getParent());
    Files.write(file, otherHolder(host, pid).toBytes());
    return file;
  }

  private static RunLease.Holder otherHolder(String host, long pid) {
    return new RunLease.Holder("token-old", "app-old", "", host, pid, -1, Instant.now());
  }
}
