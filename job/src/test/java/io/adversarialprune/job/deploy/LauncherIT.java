package io.adversarialprune.job.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local launcher as a user runs it: a {@code run} with a bad config prints its problems once,
 * though the launcher's engine probe loads the same config first; the read-only commands compile
 * with C1 alone, unless {@code JAVA_OPTS} says otherwise. An integration test: it needs the
 * packaged build.
 */
class LauncherIT {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  @TempDir Path tmp;

  @Test
  void aBadRunConfigPrintsItsProblemsOnce() throws Exception {
    Path output = tmp.resolve("out.txt");
    ProcessBuilder pb =
        new ProcessBuilder(
                REPO.resolve("deploy/local/adversarial-prune").toString(),
                "run",
                "--results",
                tmp.resolve("results").toString(),
                "--set",
                "sweep.attack.eps=3",
                "--set",
                "sweep.seeds=[]")
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
    // The probe runs only where the cap is not set already (the test JVMs set it).
    pb.environment().remove("ONEDNN_MAX_CPU_ISA");
    pb.environment().remove("ADVERSARIAL_PRUNE_PROBE");
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the launcher exits").isTrue();
    String out = Files.readString(output, StandardCharsets.UTF_8);

    assertThat(p.exitValue()).as(out).isEqualTo(2);
    assertThat(occurrences(out, "sweep.attack.eps")).as(out).isEqualTo(1);
    assertThat(occurrences(out, "sweep.seeds")).as(out).isEqualTo(1);
    assertThat(tmp.resolve("results")).doesNotExist();
  }

  @Test
  void theReadOnlyCommandsCompileWithC1AloneUnlessJavaOptsSayOtherwise() throws Exception {
    assertThat(tieredStopAtLevel("", "query", "--help")).isEqualTo(1);
    assertThat(tieredStopAtLevel("", "report", "--help")).isEqualTo(1);
    assertThat(tieredStopAtLevel("", "compare", "--help")).isEqualTo(1);
    assertThat(tieredStopAtLevel("", "--help")).isEqualTo(1);
    // the commands that run for minutes keep C2
    assertThat(tieredStopAtLevel("", "run", "--help")).isEqualTo(4);
    assertThat(tieredStopAtLevel("", "maintain", "--help")).isEqualTo(4);
    // JAVA_OPTS comes last: a user's setting wins
    assertThat(tieredStopAtLevel("-XX:TieredStopAtLevel=4", "query", "--help")).isEqualTo(4);
  }

  /** The JIT's top tier in the JVM the launcher starts for {@code args}. */
  private int tieredStopAtLevel(String javaOpts, String... args) throws Exception {
    Path output = Files.createTempFile(tmp, "flags", ".txt");
    String[] command = new String[args.length + 1];
    command[0] = REPO.resolve("deploy/local/adversarial-prune").toString();
    System.arraycopy(args, 0, command, 1, args.length);
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    pb.environment().put("JAVA_OPTS", (javaOpts + " -XX:+PrintFlagsFinal").strip());
    pb.environment().put("ADVERSARIAL_PRUNE_PROBE", "off");
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the launcher exits").isTrue();
    String out = Files.readString(output, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    Matcher m = Pattern.compile("\\bTieredStopAtLevel\\s+=\\s+(\\d+)").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private static int occurrences(String text, String what) {
    Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
