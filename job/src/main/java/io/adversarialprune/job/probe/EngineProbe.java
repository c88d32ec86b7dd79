package io.adversarialprune.job.probe;

import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.executor.ClasspathFiles;
import io.adversarialprune.udfs.check.Platform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Decides whether this host needs the oneDNN ISA cap ({@code ONEDNN_MAX_CPU_ISA=AVX2}) for a
 * sweep's model: runs the executors' engine check ({@code udfs.check.EngineCheck}) uncapped in a
 * child JVM ({@link UncappedCheck}) and caches the verdict per {@link ProbeKey} (CPU, libtorch,
 * model bytes, check settings) in a {@link ProbeCache}. The launchers in {@code deploy/local} set
 * the cap only when the verdict is a failure. The engine check on every executor stays: a host
 * where the probe passed and an executor's check then fails still stops the run, and its message
 * names the cap (docs/ENGINE-CHECK.md).
 *
 * <p>The probing process itself never loads libtorch (oneDNN reads the variable once, when it
 * loads), so the check runs in a child with the variable set to {@code ALL}. Stateless apart from
 * the cache; safe to run from concurrent launchers.
 */
public final class EngineProbe {

  /** Exit code of {@link UncappedCheck} when a check ran and failed. */
  static final int CHECK_FAILED = 3;

  /** How the uncapped check is run; the child JVM in production, a stub in tests. */
  @FunctionalInterface
  public interface Check {
    /**
     * Runs the check uncapped.
     *
     * @return the verdict, or empty when the check could not run to a verdict (a crash, a timeout):
     *     nothing is cached, and the launcher keeps the cap
     */
    Optional<ProbeVerdict> run();
  }

  /**
   * The decision and where it came from.
   *
   * @param verdict the verdict, or null when the check could not run (the cap stays)
   * @param cached whether it came from the cache
   * @param why one line for people: what was decided and why
   */
  public record Decision(ProbeVerdict verdict, boolean cached, String why) {
    /** The cap to set: the verdict's, or {@link ProbeVerdict#CAPPED} without one. */
    public String isaCap() {
      return verdict == null ? ProbeVerdict.CAPPED : verdict.isaCap();
    }
  }

  private EngineProbe() {}

  /**
   * The cached verdict for {@code key}, or (when there is none, or {@code refresh}) a new one from
   * {@code check}, cached when the check reached one.
   */
  public static Decision decide(ProbeKey key, ProbeCache cache, Check check, boolean refresh) {
    if (!refresh) {
      Optional<ProbeVerdict> hit = cache.read(key);
      if (hit.isPresent()) {
        return new Decision(hit.get(), true, describe(hit.get(), "cached " + cache.file(key)));
      }
    }
    Optional<ProbeVerdict> fresh = check.run();
    if (fresh.isEmpty()) {
      return new Decision(
          null,
          false,
          "the uncapped engine check did not reach a verdict; keeping "
              + Platform.ISA_CAP_VARIABLE
              + "="
              + ProbeVerdict.CAPPED);
    }
    cache.write(key, fresh.get());
    return new Decision(fresh.get(), false, describe(fresh.get(), "saved " + cache.file(key)));
  }

  private static String describe(ProbeVerdict v, String where) {
    return (v.passed()
            ? "the engine check passed uncapped on this host, so no cap: "
            : "the engine check failed uncapped on this host, so "
                + Platform.ISA_CAP_VARIABLE
                + "="
                + ProbeVerdict.CAPPED
                + ": ")
        + v.detail()
        + " (checked "
        + v.checkedAt()
        + ", "
        + where
        + ")";
  }

  /** The key of {@code cfg}'s model on this host, as the run's executors will check it. */
  public static ProbeKey key(SweepConfig cfg, Map<String, String> env) {
    return new ProbeKey(HostCpu.fingerprint(), libtorch(env), modelSha256(cfg), checkSetting(cfg));
  }

  /**
   * The check in words: batch size, the thread counts {@link UncappedCheck} runs it at, layout and
   * settings (a change to any of them probes again).
   */
  static String checkSetting(SweepConfig cfg) {
    return String.format(
        Locale.ROOT,
        "batch %d threads %s format %s %s",
        Math.min(cfg.attack().batchSize(), Math.max(1, cfg.data().limit())),
        UncappedCheck.threadCounts(cfg),
        cfg.engine().memoryFormat(),
        cfg.check().settings());
  }

  /**
   * The libtorch build: DJL's bundled natives' version and flavor, and the environment variables
   * that make DJL load another libtorch instead.
   */
  static String libtorch(Map<String, String> env) {
    StringBuilder out = new StringBuilder();
    try (InputStream in = EngineProbe.class.getResourceAsStream("/native/lib/pytorch.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        out.append("bundled ")
            .append(p.getProperty("version"))
            .append(' ')
            .append(p.getProperty("flavor"))
            .append(' ')
            .append(p.getProperty("classifier"));
      } else {
        out.append("no bundled natives");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not read DJL's native/lib/pytorch.properties", e);
    }
    for (String v : List.of("PYTORCH_LIBRARY_PATH", "PYTORCH_VERSION", "PYTORCH_FLAVOR")) {
      if (env.get(v) != null) {
        out.append(' ').append(v).append('=').append(env.get(v));
      }
    }
    return out.toString();
  }

  /** SHA-256 of the model file's bytes (a {@code classpath:} model read from the jar). */
  static String modelSha256(SweepConfig cfg) {
    String location = cfg.model().path();
    try {
      byte[] bytes;
      if (ClasspathFiles.isClasspath(location)) {
        String resource = location.substring(ClasspathFiles.CLASSPATH.length());
        try (InputStream in =
            EngineProbe.class.getResourceAsStream(
                resource.startsWith("/") ? resource : "/" + resource)) {
          if (in == null) {
            throw new IllegalArgumentException(
                "sweep.model.path: resource " + location + " is not in the application jar");
          }
          bytes = in.readAllBytes();
        }
      } else {
        bytes = Files.readAllBytes(Path.of(location.replaceFirst("^file:(//)?", "")));
      }
      return ProbeKey.sha256(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read sweep.model.path " + location, e);
    }
  }

  /**
   * The production {@link Check}: {@link UncappedCheck} in a child JVM with this JVM's options and
   * class path, {@code ONEDNN_MAX_CPU_ISA=ALL} in its environment, and the sweep's {@code --config}
   * and {@code --set} arguments.
   *
   * @param args the sweep's config arguments ({@code --config FILE}, {@code --set K=V}, ...)
   * @param log where the child's output goes, line by line (its stderr, and stdout when it fails)
   */
  public static Check childJvm(List<String> args, java.util.function.Consumer<String> log) {
    return () -> {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      for (String opt : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        // Not the parent's agents or flight recording: the child would write the same files.
        if (!opt.startsWith("-agent")
            && !opt.startsWith("-javaagent")
            && !opt.startsWith("-XX:StartFlightRecording")) {
          cmd.add(opt);
        }
      }
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(UncappedCheck.class.getName());
      cmd.addAll(args);
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().put(Platform.ISA_CAP_VARIABLE, ProbeVerdict.UNCAPPED);
      pb.redirectErrorStream(true);
      try {
        Process child = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = child.getInputStream()) {
          in.transferTo(out);
        }
        if (!child.waitFor(10, TimeUnit.MINUTES)) {
          child.destroyForcibly();
          log.accept("engine probe: the uncapped check took over 10 minutes; stopped it");
          return Optional.empty();
        }
        String text = out.toString(StandardCharsets.UTF_8);
        List<String> verdicts = new ArrayList<>();
        for (String line : text.split("\n")) {
          if (line.startsWith(UncappedCheck.PASS) || line.startsWith(UncappedCheck.FAIL)) {
            verdicts.add(line.trim());
          }
        }
        int code = child.exitValue();
        if ((code != 0 && code != CHECK_FAILED) || verdicts.isEmpty()) {
          log.accept("engine probe: the uncapped check exited " + code + ":\n" + text.strip());
          return Optional.empty();
        }
        return Optional.of(new ProbeVerdict(code == 0, String.join("; ", verdicts), Instant.now()));
      } catch (IOException e) {
        log.accept("engine probe: could not start the uncapped check: " + e);
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    };
  }
}
