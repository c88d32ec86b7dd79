package io.adversarialprune.job.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose temp directory is a real full file system (a 1 MiB tmpfs, mounted where the test may,
 * as root with the capability to mount; skipped elsewhere): one line naming the directory and the
 * space needed, no stack trace.
 */
class FullTmpDirTest {
  @TempDir Path tmp;

  private Path mounted;

  @AfterEach
  void unmount() throws Exception {
    if (mounted != null) {
      new ProcessBuilder("umount", mounted.toString()).inheritIO().start().waitFor();
    }
  }

  @Test
  void theEmbeddedFilesThatDoNotFitNameTheDirectoryAndTheirSize() throws Exception {
    Path small = Files.createDirectories(tmp.resolve("small-tmp"));
    Process mount =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString())
            .redirectErrorStream(true)
            .start();
    Assumptions.assumeTrue(
        mount.waitFor(10, TimeUnit.SECONDS) && mount.exitValue() == 0, "cannot mount a tmpfs here");
    mounted = small;

    List<String> command =
        ChildJvm.command(
            List.of("-Djava.io.tmpdir=" + small),
            List.of("run", "--results", tmp.resolve("results").toString()));
    Path log = tmp.resolve("driver.log");
    Process driver =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertThat(driver.waitFor(180, TimeUnit.SECONDS)).as("exits within 180 s").isTrue();
    } finally {
      driver.destroyForcibly();
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(driver.exitValue()).as(out).isEqualTo(1);
    assertThat(out)
        .contains("could not copy classpath:/default/", " MiB) to " + small)
        .contains("is the disk of java.io.tmpdir full?")
        .doesNotContain("\tat ");
  }
}
