package io.adversarialprune.job.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.Cli;
import io.adversarialprune.job.Main;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code engine-probe}'s input problems: reported when a user runs it, left to the run when the
 * local launcher probes just before one ({@code --for-run}), so the run's problems print once.
 * Nothing here gets as far as the probe's child JVM.
 */
class EngineProbeCommandTest {
  private static final List<String> BAD_CONFIG =
      List.of("--set", "sweep.attack.eps=3", "--set", "sweep.seeds=[]");

  private static Cli probe(List<String> args) {
    return Cli.run(args.toArray(String[]::new));
  }

  private static List<String> with(List<String> head, List<String> tail) {
    return java.util.stream.Stream.concat(head.stream(), tail.stream()).toList();
  }

  @Test
  void aBadConfigIsReportedWhenAUserProbes() {
    Cli r = probe(with(List.of("engine-probe"), BAD_CONFIG));

    assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).contains("sweep.attack.eps");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void aBadConfigIsLeftToTheRunWhenTheLauncherProbesForIt() {
    // the launcher's command line: engine-probe --for-run, then the run's own arguments
    Cli r =
        probe(
            with(
                List.of("engine-probe", "--for-run"), with(BAD_CONFIG, List.of("--results", "x"))));

    assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).as("no ONEDNN_MAX_CPU_ISA line: the launcher keeps the cap").isEmpty();
  }

  @Test
  void aModelFileThatCannotBeReadIsLeftToTheRunToo() {
    Cli r =
        probe(
            List.of(
                "engine-probe", "--for-run", "--set", "sweep.model.path=/nonexistent/model.pt"));

    assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).isEmpty();
  }
}
