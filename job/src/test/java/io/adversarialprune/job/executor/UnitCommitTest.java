package io.adversarialprune.job.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A unit commits by one rename, exactly once, on Hadoop's local file system. */
class UnitCommitTest {

  @TempDir Path tmp;

  @Test
  void theFirstAttemptCommitsAndALaterOneLeavesNothingBehind() throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path finalDir = tmp.resolve("_units/s/r/none/pgd/seed-0/shard-0");
    Path first = attempt("none.pgd.seed-0.shard-0.attempt-app1-1", "first");
    assertThat(UnitCommit.commitDir(fs, path(first), path(finalDir))).isTrue();
    assertThat(Files.readString(finalDir.resolve("part-0.parquet"))).isEqualTo("first");
    assertThat(first).doesNotExist();

    Path second = attempt("none.pgd.seed-0.shard-0.attempt-app1-2", "second");
    assertThat(UnitCommit.commitDir(fs, path(second), path(finalDir))).isFalse();
    assertThat(second).doesNotExist();
    assertThat(files(finalDir)).containsExactly("part-0.parquet");
    assertThat(Files.readString(finalDir.resolve("part-0.parquet"))).isEqualTo("first");
  }

  @Test
  void anAttemptThatLosesTheRaceAfterItsCheckTakesItselfBackOut() throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path finalDir = tmp.resolve("_units/s/r/none/pgd/seed-0/shard-1");
    Path winner = attempt("none.pgd.seed-0.shard-1.attempt-app1-1", "winner");
    assertThat(UnitCommit.commitDir(fs, path(winner), path(finalDir))).isTrue();
    // The loser passed its existence check before the winner's rename, then renames: Hadoop moves
    // (or copies) it inside the winner's directory instead of failing.
    Path loser = attempt("none.pgd.seed-0.shard-1.attempt-app2-1", "loser");
    assertThat(UnitCommit.renameUnlessTaken(fs, path(loser), path(finalDir))).isFalse();
    assertThat(loser).doesNotExist();
    assertThat(files(finalDir)).containsExactly("part-0.parquet");
    assertThat(Files.readString(finalDir.resolve("part-0.parquet"))).isEqualTo("winner");
  }

  private Path attempt(String name, String content) throws Exception {
    Path dir = tmp.resolve("_staging/s/r").resolve(name);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("part-0.parquet"), content, StandardCharsets.UTF_8);
    return dir;
  }

  /** Names under {@code dir} (recursively), without Hadoop's .crc side files. */
  private static List<String> files(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !p.equals(dir))
          .map(p -> dir.relativize(p).toString())
          .filter(n -> !n.endsWith(".crc"))
          .sorted()
          .toList();
    }
  }

  private static org.apache.hadoop.fs.Path path(Path p) {
    return new org.apache.hadoop.fs.Path("file://" + p.toAbsolutePath());
  }
}
