package io.adversarialprune.job.cli;

import io.adversarialprune.job.Main;
import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.probe.EngineProbe;
import io.adversarialprune.job.probe.ProbeCache;
import io.adversarialprune.job.probe.ProbeKey;
import java.io.File;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code engine-probe}: whether this host needs the oneDNN ISA cap for a sweep's model ({@link
 * EngineProbe}). Prints {@code ONEDNN_MAX_CPU_ISA=ALL} or {@code ONEDNN_MAX_CPU_ISA=AVX2} on stdout
 * (the launchers read it) and why on stderr. Takes a {@code run} command line as it is: only {@code
 * --config} and {@code --set} matter, everything else is ignored.
 *
 * <p>With {@code --for-run} (the local launcher, just before the {@code run} it probes for) a
 * config or model the run will refuse exits 2 without a word: the run checks the same inputs, with
 * the rest of its own, and reports them once.
 */
@Command(
    name = "engine-probe",
    mixinStandardHelpOptions = true,
    description =
        "Runs the engine check uncapped in a child JVM (cached per CPU, libtorch and model) and"
            + " prints the ONEDNN_MAX_CPU_ISA this host needs for the sweep's model.")
public final class EngineProbeCommand implements Callable<Integer> {
  @Option(names = "--config", description = "HOCON sweep file (defaults: reference.conf).")
  File config;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides a config key.")
  List<String> overrides = new ArrayList<>();

  @Option(
      names = "--cache-dir",
      // One line each, so that the help's wrapping never breaks a path at its dot.
      description = {
        "Where verdicts are kept. Default:",
        "$XDG_CACHE_HOME/adversarial-prune,",
        "or ~/.cache/adversarial-prune without XDG_CACHE_HOME."
      })
  Path cacheDir;

  @Option(names = "--refresh", description = "Probe again even when a verdict is cached.")
  boolean refresh;

  @Option(
      names = "--for-run",
      hidden = true,
      description = "Leave input problems to the run that follows: exit 2, print nothing.")
  boolean forRun;

  /** The rest of a {@code run} command line (the launchers pass theirs whole). */
  @Unmatched List<String> ignored = new ArrayList<>();

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    SweepConfig sweep;
    ProbeKey key;
    try {
      sweep = SweepConfig.load(config, overrides);
      key = EngineProbe.key(sweep, System.getenv());
    } catch (UserInputException | UncheckedIOException | IllegalArgumentException e) {
      // A bad config, or a model file that cannot be read: the run says so itself.
      if (forRun) {
        return Main.EXIT_USAGE;
      }
      throw e;
    }
    Path dir = cacheDir != null ? cacheDir : ProbeCache.defaultDirectory(System.getenv());
    PrintWriter err = spec.commandLine().getErr();
    List<String> args = new ArrayList<>();
    if (config != null) {
      args.add("--config");
      args.add(config.getPath());
    }
    for (String o : overrides) {
      args.add("--set");
      args.add(o);
    }
    EngineProbe.Decision d =
        EngineProbe.decide(
            key, new ProbeCache(dir), EngineProbe.childJvm(args, err::println), refresh);
    err.println("engine probe: " + d.why());
    err.flush();
    spec.commandLine().getOut().println("ONEDNN_MAX_CPU_ISA=" + d.isaCap());
    spec.commandLine().getOut().flush();
    return 0;
  }
}
