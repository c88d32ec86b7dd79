package io.adversarialprune.job.cache;

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
    public static void main(String[] args) throws Exception {
      for (String location : args) {
        Path file = Path.of(new ClasspathFiles().localPath(location, "test"));
        if (!Files.isRegularFile(file) || Files.size(file) == 0) {
          throw new IllegalStateException("not extracted: " + location);
        }
        System.out.println(file);
      }
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
