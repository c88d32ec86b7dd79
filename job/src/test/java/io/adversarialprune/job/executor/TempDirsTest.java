package io.adversarialprune.job.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which children of the job's temp parent a new start reclaims: those of processes gone. */
class TempDirsTest {
  @TempDir Path parent;

  @Test
  void theDirectoriesOfProcessesThatAreGoneAreReclaimedAndNoOthers() throws Exception {
    Process exited = new ProcessBuilder("true").start();
    exited.waitFor();
    ProcessHandle self = ProcessHandle.current();
    long pid = self.pid();
    long start = self.info().startInstant().orElseThrow().toEpochMilli();
    Path killed = Files.createDirectories(parent.resolve("files-" + exited.pid() + "-1-x7"));
    Files.writeString(killed.resolve("model.pt"), "a copy");
    Path killedSpark =
        Files.createDirectories(parent.resolve("spark-" + exited.pid() + "-1/blockmgr-1"));
    // this JVM's pid, with another start time: a process that had the pid before
    Path reused = Files.createDirectories(parent.resolve("spark-" + pid + "-" + (start - 5000)));
    Path alive = Files.createDirectories(parent.resolve("spark-" + pid + "-" + start));
    Path unknownStart = Files.createDirectories(parent.resolve("files-" + pid + "--1-y"));
    Path notOurs = Files.createDirectories(parent.resolve("notes-of-someone"));
    Path file = Files.writeString(parent.resolve("files-" + exited.pid() + "-1.txt"), "");

    assertThat(TempDirs.reclaim(parent))
        .containsExactlyInAnyOrder(killed, killedSpark.getParent(), reused);
    try (Stream<Path> left = Files.list(parent)) {
      assertThat(left).containsExactlyInAnyOrder(alive, unknownStart, notOurs, file);
    }
  }

  @Test
  void aDirectoryIsNamedByItsKindThisPidAndThisStartTime() {
    ProcessHandle self = ProcessHandle.current();
    assertThat(TempDirs.name("spark"))
        .isEqualTo(
            "spark-" + self.pid() + "-" + self.info().startInstant().orElseThrow().toEpochMilli());
    assertThat(TempDirs.parent())
        .isEqualTo(Path.of(System.getProperty("java.io.tmpdir"), "adversarial-prune"));
  }
}
