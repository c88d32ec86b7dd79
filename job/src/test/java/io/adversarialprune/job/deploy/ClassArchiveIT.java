package io.adversarialprune.job.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class-data archive that {@code mvn package} records for the local launcher
 * (deploy/local/class-archive) is really used: the launcher's JVM loads the job's classes from it,
 * and from the jars when it is switched off. An integration test: it needs the packaged build.
 */
class ClassArchiveIT {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  @TempDir Path tmp;

  @Test
  void theLauncherLoadsTheJobsClassesFromTheArchive() throws Exception {
    assumeFalse(Boolean.getBoolean("class-archive.skip"), "built with -Dclass-archive.skip=true");
    assertThat(REPO.resolve("job/target/adversarial-prune.jsa"))
        .as("the archive `mvn package` records")
        .isRegularFile();
    assertThat(mainClassSource("on")).isEqualTo("shared objects file (top)");
    assertThat(mainClassSource("off")).startsWith("file:").endsWith(".jar");
  }

  /** Where the launcher's JVM loaded {@code Main} from, as {@code -Xlog:class+load} says. */
  private String mainClassSource(String archive) throws Exception {
    Path log = tmp.resolve("classes-" + archive + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(REPO.resolve("deploy/local/adversarial-prune").toString(), "--help")
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("out-" + archive + ".txt").toFile());
    pb.environment().put("ADVERSARIAL_PRUNE_CLASS_ARCHIVE", archive);
    pb.environment().put("JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the launcher exits").isTrue();
    assertThat(p.exitValue()).as("--help exits 0").isZero();
    String line =
        Files.readAllLines(log, StandardCharsets.UTF_8).stream()
            .filter(l -> l.contains(" io.adversarialprune.job.Main source: "))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no class-load line for Main in " + log));
    return line.substring(line.indexOf(" source: ") + " source: ".length()).trim();
  }
}
