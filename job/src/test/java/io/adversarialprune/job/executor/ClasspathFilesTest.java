package io.adversarialprune.job.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resources extracted from the application jar leave nothing in the temp directory at exit. */
class ClasspathFilesTest {
  @TempDir Path tmp;

  /** Run in a JVM of its own: what is deleted at exit shows only once that JVM has exited. */
  public static final class Extract {
    /** Extracts each location; with {@code --hang} first, then waits to be killed. */
    public static void main(String[] args) throws Exception {
      boolean hang = args.length > 0 && args[0].equals("--hang");
      for (String location : hang ? java.util.Arrays.copyOfRange(args, 1, args.length) : args) {
        Path file = Path.of(new ClasspathFiles().localPath(location, "test"));
        if (!Files.isRegularFile(file) || Files.size(file) == 0) {
          throw new IllegalStateException("not extracted: " + location);
        }
        System.out.println(file);
      }
      if (hang) {
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(120_000);
      }
    }
  }

  private Process extract(String... args) throws java.io.IOException {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp,
                "-cp",
                System.getProperty("java.class.path"),
                Extract.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  @Test
  void theCopiesOfAKilledProcessAreReclaimedByTheNextStart() throws Exception {
    Process killed = extract("--hang", "classpath:/default/fashion-mnist-resnet.json");
    java.io.BufferedReader out =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(killed.getInputStream(), StandardCharsets.UTF_8));
    String copy = out.readLine();
    assertThat(out.readLine()).as(copy).isEqualTo("ready");
    // under the job's parent, in a directory named with the process's pid
    assertThat(Path.of(copy).getParent().getParent()).isEqualTo(tmp.resolve(TempDirs.PARENT));
    assertThat(Path.of(copy).getParent().getFileName().toString())
        .startsWith("files-" + killed.pid() + "-");
    killed.destroyForcibly();
    assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Path.of(copy)).as("SIGKILL: no exit hooks").exists();

    Process next = extract("classpath:/default/fashion-mnist-resnet.json");
    String log = new String(next.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(next.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(next.exitValue()).as(log).isZero();
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left.toList()).as("left in the temp directory").isEqualTo(List.of());
    }
  }

  @Test
  void theEmbeddedModelAndDatasetAreExtractedAndRemovedAtExit() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-Djava.io.tmpdir=" + tmp,
                "-cp",
                System.getProperty("java.class.path"),
                Extract.class.getName(),
                "classpath:/default/fashion-mnist-resnet.pt",
                "classpath:/default/fashion-mnist-test.parquet")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains(tmp.toString(), "fashion-mnist-resnet.pt", "fashion-mnist-test");
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left.toList()).as("left in the temp directory").isEqualTo(List.of());
    }
  }
}
